import { Injectable, Logger } from '@nestjs/common';
import { AgentEvents } from '../agents/agent-events.js';
import type { DriftState } from '../agents/agent.entity.js';
import { AgentNotFound } from '../agents/agents.errors.js';
import { AgentInventoryHandler } from '../agents/agent-inventory.handler.js';
import { MicroBatcher } from '../common/micro-batcher.js';
import { DesiredConfigCache } from '../configurations/desired-config.cache.js';
import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import { SecretRedactor, type ConfigEntry } from '../redaction/secret-redactor.js';
import {
  compareConfigs,
  effectiveEntry,
  parseBody,
  unifiedDiff,
  type DesiredFile,
  type DriftDifference,
} from './drift-compare.js';
import { DriftRepository, type DriftInputs, type DriftResult } from './drift.repository.js';

/** What the agent just reported and the row may not hold yet (its write is batched). */
export interface DriftOverride {
  effective?: Record<string, ConfigEntry>;
  /** `effective` parsed by the redaction. */
  effectiveParsed?: Record<string, unknown>;
  remoteConfigHash?: string | null;
  remoteConfigStatus?: string | null;
  capabilities?: number;
}

export interface DriftReport {
  status: DriftState;
  checkedAt: Date | null;
  configuration: { id: string; name: string | null; version: number } | null;
  differences: DriftDifference[];
  unifiedDiff: string | null;
  /** Both documents, redacted, for a side-by-side view. */
  desiredBody: string | null;
  effectiveBody: string | null;
}

const MAX_FILES = 256;
/** Distinct (desired, effective) pairs remembered: a fleet runs a handful of configs. */
const MAX_COMPARISONS = 256;
/** Larger pairs are compared every time rather than held as keys (256 x this at most). */
const MAX_REMEMBERED_BODY = 64 * 1024;
const MAX_STORED_PATHS = 100;

/**
 * Drift of an agent's effective config from its desired configuration. Computed when the agent
 * reports a new effective config or an apply result, or when its desired configuration changes —
 * never on heartbeats — in batches, and stored on the agent row.
 */
@Injectable()
export class DriftService {
  private readonly logger = new Logger(DriftService.name);
  private readonly files = new Map<string, DesiredFile>();
  /** Results of compare() by what was compared; shared, never mutated. */
  private readonly comparisons = new Map<string, DriftDifference[]>();
  private readonly overrides = new Map<string, DriftOverride>();
  private readonly batcher = new MicroBatcher<string, true>((uids) => this.computeMany(uids), 20, 500, 1);

  constructor(
    private readonly repository: DriftRepository,
    private readonly cache: DesiredConfigCache,
    private readonly redactor: SecretRedactor,
    private readonly inventory: AgentInventoryHandler,
    private readonly events: AgentEvents,
  ) {}

  /** Recomputes soon, with the agent's latest report when given. */
  schedule(instanceUid: string, override?: DriftOverride): void {
    if (override) {
      this.overrides.set(instanceUid, { ...this.overrides.get(instanceUid), ...override });
    }
    this.batcher.get(instanceUid).catch((error: unknown) => {
      this.logger.warn({ err: error, instanceUid }, 'Drift computation failed');
    });
  }

  /** The stored state with the differences and a unified diff computed now. */
  async report(instanceUid: string): Promise<DriftReport> {
    // Taken before the read: a write committing in between forgets it here, and the row read
    // before that commit would not have it yet (as in computeMany).
    const unwritten = this.inventory.unwrittenEffectiveConfig(instanceUid);
    const [inputs] = await this.repository.inputs([instanceUid], unwritten ? [instanceUid] : []);
    if (!inputs) {
      throw new AgentNotFound(instanceUid);
    }
    const stored = await this.repository.checkedAt(instanceUid);
    const effective = unwritten ?? inputs.effective_config;
    const desired = await this.desiredFile(inputs);
    const configuration =
      inputs.configuration_id && inputs.version !== null
        ? { id: inputs.configuration_id, name: inputs.configuration_name, version: inputs.version }
        : null;
    const comparable = desired && effective && Object.keys(effective).length > 0;
    return {
      status: stored?.drift_status ?? 'unknown',
      checkedAt: stored?.drift_checked_at ?? null,
      configuration,
      differences: comparable ? compareConfigs(desired, effective) : [],
      unifiedDiff: comparable ? unifiedDiff(desired, effective) : null,
      desiredBody: desired?.body ?? null,
      effectiveBody: effective ? (effectiveEntry(desired?.fileName ?? '', effective)?.body ?? null) : null,
    };
  }

  private async computeMany(uids: string[]): Promise<Map<string, true>> {
    // An effective config this instance holds (just reported, or not written yet) is the agent's
    // latest: the row's copy is not read for it. Taken before the read, which the write may cross.
    const held = new Map<string, Record<string, ConfigEntry>>();
    for (const uid of uids) {
      const effective = this.overrides.get(uid)?.effective ?? this.inventory.unwrittenEffectiveConfig(uid);
      if (effective) {
        held.set(uid, effective);
      }
    }
    const rows = await this.repository.inputs(uids, [...held.keys()]);
    const results: DriftResult[] = [];
    for (const row of rows) {
      row.effective_config = held.get(row.instance_uid) ?? row.effective_config;
      const override = this.overrides.get(row.instance_uid);
      this.overrides.delete(row.instance_uid);
      // A recompute without the agent's report (an assignment changed) must not judge it on a row
      // that its latest report has not reached yet: what this instance holds for it comes first.
      const live = applyOverride(row, this.inventory.liveReport(row.instance_uid));
      results.push(await this.compute(applyOverride(live, override), override?.effectiveParsed));
    }
    const changed = await this.repository.save(results);
    changed.forEach((instanceUid) => this.events.emit({ type: 'drift', instanceUid }));
    return new Map(uids.map((uid) => [uid, true]));
  }

  private async compute(inputs: DriftInputs, effectiveParsed?: Record<string, unknown>): Promise<DriftResult> {
    const result = (drift_status: DriftState, drift_paths: string[] | null = null): DriftResult => ({
      instance_uid: inputs.instance_uid,
      drift_status,
      drift_paths,
    });
    if (!inputs.configuration_id || inputs.version === null) {
      return result('unknown');
    }
    const acceptsRemote = (inputs.capabilities & AgentCapabilities.AcceptsRemoteConfig) !== 0;
    if (
      acceptsRemote &&
      (inputs.remote_config_hash !== inputs.desired_config_hash || inputs.remote_config_status === 'APPLYING')
    ) {
      return result('pending');
    }
    const effective = inputs.effective_config;
    if (!effective || Object.keys(effective).length === 0) {
      return result('unknown');
    }
    const desired = await this.desiredFile(inputs);
    if (!desired) {
      return result('unknown');
    }
    const differences = this.compare(desired, effective, effectiveParsed);
    if (differences.length === 0) {
      return result('in_sync');
    }
    const paths = differences.map((d) => (d.path === '' ? d.file : d.path)).slice(0, MAX_STORED_PATHS);
    return result('drifted', paths);
  }

  /**
   * compareConfigs, remembered by what was compared: a fleet that applied one version reports one
   * effective config, read back from the agents' rows as a new object each time, and parsing it
   * (YAML) is most of a comparison's cost.
   */
  private compare(
    desired: DesiredFile,
    effective: Record<string, ConfigEntry>,
    effectiveParsed?: Record<string, unknown>,
  ): DriftDifference[] {
    const entry = effectiveEntry(desired.fileName, effective);
    if (!entry || desired.body.length + entry.body.length > MAX_REMEMBERED_BODY) {
      return compareConfigs(desired, effective, effectiveParsed);
    }
    const key = `${desired.fileName}\u0000${desired.body}\u0000${entry.content_type}\u0000${entry.body}`;
    let differences = this.comparisons.get(key);
    if (!differences) {
      differences = compareConfigs(desired, effective, effectiveParsed);
      if (this.comparisons.size >= MAX_COMPARISONS) {
        this.comparisons.delete(this.comparisons.keys().next().value as string);
      }
      this.comparisons.set(key, differences);
    }
    return differences;
  }

  /** The desired version's file, redacted exactly like effective configs (cached per version). */
  private async desiredFile(inputs: DriftInputs): Promise<DesiredFile | undefined> {
    if (!inputs.configuration_id || inputs.version === null) {
      return undefined;
    }
    const key = `${inputs.configuration_id}:${inputs.version}`;
    const cached = this.files.get(key);
    if (cached) {
      return cached;
    }
    const content = await this.cache.content(inputs.configuration_id, inputs.version);
    if (!content) {
      return undefined;
    }
    const body = this.redactor.redactBody(content.rawConfig, content.contentType);
    const file = {
      fileName: content.fileName,
      contentType: content.contentType,
      body,
      parsed: parseBody(body, content.contentType),
    };
    if (this.files.size >= MAX_FILES) {
      this.files.delete(this.files.keys().next().value as string);
    }
    this.files.set(key, file);
    return file;
  }
}

function applyOverride(row: DriftInputs, override: DriftOverride | undefined): DriftInputs {
  if (!override) {
    return row;
  }
  return {
    ...row,
    effective_config: override.effective ?? row.effective_config,
    remote_config_hash: override.remoteConfigHash !== undefined ? override.remoteConfigHash : row.remote_config_hash,
    remote_config_status:
      override.remoteConfigStatus !== undefined ? override.remoteConfigStatus : row.remote_config_status,
    capabilities: override.capabilities ?? row.capabilities,
  };
}
