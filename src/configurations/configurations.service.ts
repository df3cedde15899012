import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { Page } from '../common/pagination.js';
import type { AssignmentChange } from './assignment.store.js';
import { configHashHex, validateConfigContent, type ContentType } from './config-content.js';
import { ConfigChangeNotifier, type WriteResult } from './config-change-notifier.js';
import type { ChangeKind } from '../config-history/configuration-version.entity.js';
import { ConfigHistoryService } from '../config-history/config-history.service.js';
import type { ConfigurationEntity } from './configuration.entity.js';
import {
  ConfigTooLarge,
  ConfigurationAlreadyExists,
  ConfigurationInUse,
  ConfigurationNotFound,
  ConfigurationRenameRefused,
  ConfigurationVersionConflict,
  InvalidCollectorConfig,
} from './configurations.errors.js';
import {
  ConfigurationsRepository,
  type ConfigurationListFilter,
  type ConfigurationWriteTx,
} from './configurations.repository.js';
import { DefaultRolloutPoliciesService } from './default-policies/default-rollout-policies.service.js';
import { effectivePolicy, needsDefaults } from './default-policies/effective-rollout-policy.js';
import type { RolloutPolicy } from './rollout-policy.js';
import { sameSelector, type Selector } from './selector.js';
import type { ConfigIssue } from './validation/collector-config.validator.js';
import { checkConfig, type ConfigCheck } from './validation/config-check.js';

/** A create or update, with the validator's warnings on the content it saved. */
export type CheckedWriteResult = WriteResult & { warnings: ConfigIssue[] };

/** What a caller may set; on update an omitted field keeps its value. */
export interface ConfigurationInput {
  name?: string;
  description?: string;
  rawConfig?: string;
  contentType?: ContentType;
  fileName?: string;
  selector?: Selector;
  priority?: number;
  autoPush?: boolean;
  /** false: save content the Collector-config validator does not understand (syntax is still checked). */
  validate?: boolean;
  /** null removes it. */
  rolloutPolicy?: RolloutPolicy | null;
  /** Without a policy of its own: take a default rollout policy by label (true, the default) or not. */
  inheritRolloutPolicy?: boolean;
  /** Update only: refuse the change unless this is still the current version (no lost updates). */
  expectedVersion?: number;
}

/** The versioned part of a configuration: changing any of it makes a new version. */
interface Content {
  rawConfig: string;
  contentType: string;
  fileName: string;
  selector: Selector;
}

/**
 * Configurations CRUD with versioning. Every write runs in one transaction that saves the
 * configuration, its history row and the agents' recomputed desired state together.
 */
@Injectable()
export class ConfigurationsService {
  constructor(
    private readonly repository: ConfigurationsRepository,
    private readonly config: AppConfig,
    private readonly notifier: ConfigChangeNotifier,
    private readonly history: ConfigHistoryService,
    private readonly policies: DefaultRolloutPoliciesService,
  ) {}

  async create(
    input: ConfigurationInput & { name: string; rawConfig: string },
    by: string,
  ): Promise<CheckedWriteResult> {
    const content: Content = {
      rawConfig: input.rawConfig,
      contentType: input.contentType ?? 'text/yaml',
      fileName: input.fileName ?? '',
      selector: input.selector ?? {},
    };
    const warnings = this.validate(content, input.validate ?? true);
    const result = await this.repository.write(async (tx) => {
      if (await tx.configurations.findLiveByName(input.name)) {
        throw new ConfigurationAlreadyExists(input.name);
      }
      const configuration = await tx.configurations.insert({
        ...content,
        name: input.name,
        description: input.description ?? '',
        priority: input.priority ?? 0,
        autoPush: input.autoPush ?? true,
        version: 1,
        configHash: hashOf(content),
        // The first version has nothing to roll out from: it goes to its agents as before.
        releasedVersion: 1,
        releasedConfigHash: hashOf(content),
        rolloutPolicy: input.rolloutPolicy ?? null,
        inheritRolloutPolicy: input.inheritRolloutPolicy ?? true,
        createdBy: by,
        updatedBy: by,
        deletedAt: null,
        deletedBy: null,
      });
      await this.recordVersion(tx, configuration, 'create', by, null);
      const assignmentChanges = await this.recompute(tx, configuration);
      return { configuration, created: true, newVersion: true, assignmentChanges };
    });
    await this.notifier.changed(result);
    return { ...result, warnings };
  }

  async update(name: string, input: ConfigurationInput, by: string): Promise<CheckedWriteResult> {
    if (input.name !== undefined && input.name.toLowerCase() !== name.toLowerCase()) {
      throw new ConfigurationRenameRefused(name, input.name);
    }
    let warnings: ConfigIssue[] = [];
    const result = await this.repository.write(async (tx) => {
      const current = await this.lockLive(tx, name);
      if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
        throw new ConfigurationVersionConflict(current.name, input.expectedVersion, current.version);
      }
      const content: Content = {
        rawConfig: input.rawConfig ?? current.rawConfig,
        contentType: input.contentType ?? current.contentType,
        fileName: input.fileName ?? current.fileName,
        selector: input.selector ?? current.selector,
      };
      const contentChanged = !sameContent(current, content);
      if (contentChanged) {
        warnings = this.validate(content, input.validate ?? true);
      }
      const settingsChanged =
        (input.description !== undefined && input.description !== current.description) ||
        (input.priority !== undefined && input.priority !== current.priority) ||
        (input.autoPush !== undefined && input.autoPush !== current.autoPush) ||
        (input.rolloutPolicy !== undefined &&
          JSON.stringify(input.rolloutPolicy) !== JSON.stringify(current.rolloutPolicy)) ||
        (input.inheritRolloutPolicy !== undefined && input.inheritRolloutPolicy !== current.inheritRolloutPolicy);
      if (!contentChanged && !settingsChanged) {
        return { configuration: current, created: false, newVersion: false, assignmentChanges: [] };
      }
      Object.assign(current, {
        description: input.description ?? current.description,
        priority: input.priority ?? current.priority,
        autoPush: input.autoPush ?? current.autoPush,
        rolloutPolicy: input.rolloutPolicy === undefined ? current.rolloutPolicy : input.rolloutPolicy,
        inheritRolloutPolicy: input.inheritRolloutPolicy ?? current.inheritRolloutPolicy,
        updatedBy: by,
      });
      return this.saveChange(tx, current, contentChanged ? content : undefined, 'update', by, null);
    });
    await this.notifier.changed(result);
    return { ...result, warnings };
  }

  /** A new version carrying the content of an earlier one (no change when it is already current). */
  async rollback(name: string, version: number, by: string): Promise<WriteResult> {
    const result = await this.repository.write(async (tx) => {
      const current = await this.lockLive(tx, name);
      const target = await this.history.require({ id: current.id, name }, version, tx.manager);
      if (sameContent(current, target)) {
        return { configuration: current, created: false, newVersion: false, assignmentChanges: [] };
      }
      current.updatedBy = by;
      return this.saveChange(tx, current, target, 'rollback', by, version);
    });
    await this.notifier.changed(result);
    return result;
  }

  /** Soft delete: the row and its history stay readable; assigned agents fall to their next match. */
  async remove(name: string, force: boolean, by: string): Promise<void> {
    const changes = await this.repository.write(async (tx) => {
      const current = await this.lockLive(tx, name);
      const assigned = await tx.assignments.countAssigned(current.id);
      if (assigned > 0 && !force) {
        throw new ConfigurationInUse(current.name, assigned);
      }
      await tx.configurations.softDelete(current.id, by);
      return tx.assignments.recompute({ kind: 'configuration', configurationId: current.id, selector: {} });
    });
    await this.notifier.assignmentsChanged(changes);
  }

  async get(name: string): Promise<ConfigurationEntity> {
    const configuration = await this.repository.findLiveByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    return configuration;
  }

  /** The live configuration of that name, or else the most recently deleted one (for history reads). */
  async latestByName(name: string): Promise<ConfigurationEntity> {
    const configuration = await this.repository.findLatestByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    return configuration;
  }

  async list(filter: ConfigurationListFilter, offset: number, limit: number): Promise<Page<ConfigurationEntity>> {
    const [items, total] = await this.repository.list(filter, offset, limit);
    return { items, total };
  }

  /** Checks a body without saving it (the console's editor calls this as the operator types). */
  check(rawConfig: string, contentType: ContentType): ConfigCheck {
    this.checkSize(rawConfig);
    return checkConfig(rawConfig, contentType);
  }

  /** Throws on a body that must not be saved; returns the warnings on one that may. */
  private validate(content: Content, collector: boolean): ConfigIssue[] {
    this.checkSize(content.rawConfig);
    validateConfigContent(content.rawConfig, content.contentType as ContentType);
    if (!collector) {
      return [];
    }
    const check = checkConfig(content.rawConfig, content.contentType as ContentType);
    if (check.errors.length > 0) {
      throw new InvalidCollectorConfig(check);
    }
    return check.warnings;
  }

  private checkSize(rawConfig: string): void {
    const bytes = Buffer.byteLength(rawConfig, 'utf8');
    if (bytes > this.config.configMaxBytes) {
      throw new ConfigTooLarge(bytes, this.config.configMaxBytes);
    }
  }

  private async lockLive(tx: ConfigurationWriteTx, name: string): Promise<ConfigurationEntity> {
    const current = await tx.configurations.findLiveByName(name, true);
    if (!current) {
      throw new ConfigurationNotFound(name);
    }
    return current;
  }

  private async saveChange(
    tx: ConfigurationWriteTx,
    current: ConfigurationEntity,
    content: Content | undefined,
    kind: ChangeKind,
    by: string,
    rolledBackFrom: number | null,
  ): Promise<WriteResult> {
    if (!content) {
      const saved = await tx.configurations.save(current);
      return {
        configuration: saved,
        created: false,
        newVersion: false,
        assignmentChanges: await this.recompute(tx, saved),
      };
    }
    Object.assign(current, {
      rawConfig: content.rawConfig,
      contentType: content.contentType,
      fileName: content.fileName,
      selector: content.selector,
      version: current.version + 1,
      configHash: hashOf(content),
    });
    const saved = await tx.configurations.save(current);
    await this.recordVersion(tx, saved, kind, by, rolledBackFrom);
    // A default policy applies by the agents the version is for: reassign them first when one may.
    const inherits = needsDefaults(saved) && (await this.policies.anyDefaults(tx.manager));
    const reassigned = inherits ? await this.recompute(tx, saved) : [];
    const effective = inherits ? await this.policies.effective(saved, tx.manager) : effectivePolicy(saved, null);
    // Released at once only when it is to go to every agent now; otherwise agents keep the
    // released version until a push (auto_push off) or a rollout (a policy) moves them.
    const releases = saved.autoPush && effective.source === 'none';
    if (releases) {
      saved.releasedVersion = saved.version;
      saved.releasedConfigHash = saved.configHash;
      await tx.assignments.release(saved.id, saved.version, saved.configHash);
    }
    const released = releases || !inherits ? await this.recompute(tx, saved) : [];
    return {
      configuration: saved,
      created: false,
      newVersion: true,
      assignmentChanges: latestPerAgent([...reassigned, ...released]),
      effectivePolicy: effective,
    };
  }

  private recordVersion(
    tx: ConfigurationWriteTx,
    c: ConfigurationEntity,
    changeKind: ChangeKind,
    by: string,
    rolledBackFrom: number | null,
  ): Promise<void> {
    return this.history.record(tx.manager, {
      configurationId: c.id,
      version: c.version,
      rawConfig: c.rawConfig,
      contentType: c.contentType,
      fileName: c.fileName,
      selector: c.selector,
      configHash: c.configHash,
      changeKind,
      rolledBackFrom,
      createdBy: by,
    });
  }

  private recompute(tx: ConfigurationWriteTx, c: ConfigurationEntity): Promise<AssignmentChange[]> {
    return tx.assignments.recompute({ kind: 'configuration', configurationId: c.id, selector: c.selector });
  }
}

/**
 * Assignment changes of this configuration may be offered at once (auto push). A version saved
 * under a default policy is not released (see saveChange), so what they offer is still right.
 */
export function releasesOnSave(c: Pick<ConfigurationEntity, 'autoPush' | 'rolloutPolicy'>): boolean {
  return c.autoPush && !c.rolloutPolicy;
}

/** Each agent's last change (a save may reassign agents twice: before and after releasing). */
function latestPerAgent(changes: AssignmentChange[]): AssignmentChange[] {
  return [...new Map(changes.map((change) => [change.instanceUid, change])).values()];
}

function hashOf(content: Content): string {
  return configHashHex({ fileName: content.fileName, contentType: content.contentType, body: content.rawConfig });
}

function sameContent(a: Content, b: Content): boolean {
  return (
    a.rawConfig === b.rawConfig &&
    a.contentType === b.contentType &&
    a.fileName === b.fileName &&
    sameSelector(a.selector, b.selector)
  );
}
