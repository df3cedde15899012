import { Injectable } from '@nestjs/common';
import { createTwoFilesPatch } from 'diff';
import type { EntityManager } from 'typeorm';
import type { Page } from '../common/pagination.js';
import { ConfigurationVersionNotFound } from './config-history.errors.js';
import { ConfigHistoryRepository } from './config-history.repository.js';
import type { ChangeKind, ConfigurationVersionEntity } from './configuration-version.entity.js';
import { selectorChange, type SelectorChange } from './selector-change.js';

/** The configuration whose history is read: its id, its name (for messages) and current version. */
export interface VersionedConfiguration {
  id: string;
  name: string;
  version: number;
}

/** What version N of a configuration pushed, as recorded. */
export interface VersionSnapshot {
  configurationId: string;
  version: number;
  rawConfig: string;
  contentType: string;
  fileName: string;
  selector: Record<string, string>;
  configHash: string;
  changeKind: ChangeKind;
  /** For a rollback, the version whose content it restored. */
  rolledBackFrom: number | null;
  createdBy: string | null;
}

export interface ConfigurationDiff {
  name: string;
  from: number;
  to: number;
  /** Unified diff of raw_config; empty when the bodies are equal. */
  rawConfigDiff: string;
  selector: SelectorChange;
  contentType: { from: string; to: string } | null;
  fileName: { from: string; to: string } | null;
}

/**
 * Configuration versions: recorded inside the configuration's own write transaction (the caller
 * passes its EntityManager, so a version row commits or rolls back with the change it records),
 * and read for history, diffs, rollbacks and rollouts. Knows configurations only by id.
 */
@Injectable()
export class ConfigHistoryService {
  constructor(private readonly repository: ConfigHistoryRepository) {}

  /** Records a version in the caller's transaction. */
  record(manager: EntityManager, snapshot: VersionSnapshot): Promise<void> {
    return this.repository.insert(manager, snapshot);
  }

  /** Version `version` of a configuration, or null; `manager` reads inside a caller's transaction. */
  version(
    configurationId: string,
    version: number,
    manager?: EntityManager,
  ): Promise<ConfigurationVersionEntity | null> {
    return this.repository.findVersion(configurationId, version, manager);
  }

  /** Like version(), but a missing version is ConfigurationVersionNotFound (404). */
  async require(
    configuration: Omit<VersionedConfiguration, 'version'>,
    version: number,
    manager?: EntityManager,
  ): Promise<ConfigurationVersionEntity> {
    const entity = await this.repository.findVersion(configuration.id, version, manager);
    if (!entity) {
      throw new ConfigurationVersionNotFound(configuration.name, version);
    }
    return entity;
  }

  /** Versions, newest first. */
  async list(configurationId: string, offset: number, limit: number): Promise<Page<ConfigurationVersionEntity>> {
    const [items, total] = await this.repository.list(configurationId, offset, limit);
    return { items, total };
  }

  /**
   * Diff between two versions; `to` defaults to the current version and `from` to the one before
   * it. `body` rewrites each version's raw_config before diffing (viewers see secrets redacted).
   */
  async diff(
    configuration: VersionedConfiguration,
    from: number | undefined,
    to: number | undefined,
    body: (rawConfig: string, contentType: string) => string = (raw) => raw,
  ): Promise<ConfigurationDiff> {
    const toVersion = to ?? configuration.version;
    const fromVersion = from ?? Math.max(1, toVersion - 1);
    const [a, b] = await Promise.all([
      this.require(configuration, fromVersion),
      this.require(configuration, toVersion),
    ]);
    const [bodyA, bodyB] = [body(a.rawConfig, a.contentType), body(b.rawConfig, b.contentType)];
    const label = (version: number) => `${configuration.name}@v${version}`;
    return {
      name: configuration.name,
      from: fromVersion,
      to: toVersion,
      rawConfigDiff: bodyA === bodyB ? '' : createTwoFilesPatch(label(fromVersion), label(toVersion), bodyA, bodyB),
      selector: selectorChange(a.selector, b.selector),
      contentType: a.contentType === b.contentType ? null : { from: a.contentType, to: b.contentType },
      fileName: a.fileName === b.fileName ? null : { from: a.fileName, to: b.fileName },
    };
  }
}
