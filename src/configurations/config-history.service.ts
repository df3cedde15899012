import { Injectable } from '@nestjs/common';
import { createTwoFilesPatch } from 'diff';
import type { Page } from '../common/pagination.js';
import type { ConfigurationVersionEntity } from './configuration-version.entity.js';
import type { ConfigurationEntity } from './configuration.entity.js';
import { ConfigurationNotFound, ConfigurationVersionNotFound } from './configurations.errors.js';
import { ConfigurationsRepository } from './configurations.repository.js';
import { selectorChange, type SelectorChange } from './selector.js';

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

/** Reads of configuration_history. A deleted configuration's history stays readable by its name. */
@Injectable()
export class ConfigHistoryService {
  constructor(private readonly repository: ConfigurationsRepository) {}

  async list(name: string, offset: number, limit: number): Promise<Page<ConfigurationVersionEntity>> {
    const configuration = await this.findByName(name);
    const [items, total] = await this.repository.listVersions(configuration.id, offset, limit);
    return { items, total };
  }

  async version(name: string, version: number): Promise<ConfigurationVersionEntity> {
    const configuration = await this.findByName(name);
    return this.versionOf(configuration, version);
  }

  /** Diff between two versions; `to` defaults to the current version and `from` to the one before it. */
  /** `body` rewrites each version's raw_config before diffing (viewers see secrets redacted). */
  async diff(
    name: string,
    from: number | undefined,
    to: number | undefined,
    body: (rawConfig: string, contentType: string) => string = (raw) => raw,
  ): Promise<ConfigurationDiff> {
    const configuration = await this.findByName(name);
    const toVersion = to ?? configuration.version;
    const fromVersion = from ?? Math.max(1, toVersion - 1);
    const [a, b] = await Promise.all([
      this.versionOf(configuration, fromVersion),
      this.versionOf(configuration, toVersion),
    ]);
    const [bodyA, bodyB] = [body(a.rawConfig, a.contentType), body(b.rawConfig, b.contentType)];
    const rawConfigDiff =
      bodyA === bodyB
        ? ''
        : createTwoFilesPatch(
            `${configuration.name}@v${fromVersion}`,
            `${configuration.name}@v${toVersion}`,
            bodyA,
            bodyB,
          );
    return {
      name: configuration.name,
      from: fromVersion,
      to: toVersion,
      rawConfigDiff,
      selector: selectorChange(a.selector, b.selector),
      contentType: a.contentType === b.contentType ? null : { from: a.contentType, to: b.contentType },
      fileName: a.fileName === b.fileName ? null : { from: a.fileName, to: b.fileName },
    };
  }

  private async findByName(name: string): Promise<ConfigurationEntity> {
    const configuration = await this.repository.findLatestByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    return configuration;
  }

  private async versionOf(configuration: ConfigurationEntity, version: number): Promise<ConfigurationVersionEntity> {
    const entity = await this.repository.findVersion(configuration.id, version);
    if (!entity) {
      throw new ConfigurationVersionNotFound(configuration.name, version);
    }
    return entity;
  }
}
