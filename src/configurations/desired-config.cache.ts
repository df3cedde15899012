import { MicroBatcher } from '../common/micro-batcher.js';
import { SharedValues } from '../common/interner.js';
import { Injectable } from '@nestjs/common';
import type { AssignmentChange } from './assignment.store.js';
import { ConfigAssignmentRepository } from './config-assignment.repository.js';
import { ConfigHistoryService } from '../config-history/config-history.service.js';
import type { VersionContent } from './remote-config.js';

/** What an agent should run; null configurationId when nothing is assigned. */
export interface DesiredConfig {
  configurationId: string | null;
  version: number | null;
  configHash: string | null;
}

const MAX_CONTENTS = 256;
/** Distinct desired states shared by agents; past this the table starts over. */
const MAX_SHARED = 1024;

/**
 * In-memory desired state per agent, so a heartbeat whose hash already matches costs a map lookup
 * and no query. Entries are written from assignment changes as they commit (this instance) or
 * dropped on a wake-up from another instance, and loaded from the agents row on a miss. Version
 * contents are immutable, so they are cached by (configuration, version) and shared by agents.
 */
@Injectable()
export class DesiredConfigCache {
  private readonly desired = new Map<string, DesiredConfig>();
  private readonly contents = new Map<string, VersionContent>();
  /**
   * A fleet is assigned a handful of (configuration, version, hash): agents that want the same
   * share one entry (never mutated) instead of an object and two strings each.
   */
  private readonly shared = new SharedValues<DesiredConfig>(MAX_SHARED);
  /** Misses of agents connecting together (a reconnect storm) share one query. */
  private readonly loader = new MicroBatcher<string, DesiredConfig>((uids) => this.assignments.findDesiredMany(uids));

  constructor(
    private readonly assignments: ConfigAssignmentRepository,
    private readonly history: ConfigHistoryService,
  ) {}

  async get(instanceUid: string): Promise<DesiredConfig> {
    const cached = this.desired.get(instanceUid);
    if (cached) {
      return cached;
    }
    const row = await this.loader.get(instanceUid);
    // An assignment change that committed while we were loading is newer than the row we read.
    const newer = this.desired.get(instanceUid);
    if (newer) {
      return newer;
    }
    const desired = this.share(row ?? { configurationId: null, version: null, configHash: null });
    this.desired.set(instanceUid, desired);
    return desired;
  }

  /** The cached entry, without loading one. */
  peek(instanceUid: string): DesiredConfig | undefined {
    return this.desired.get(instanceUid);
  }

  apply(changes: AssignmentChange[]): void {
    for (const change of changes) {
      this.desired.set(
        change.instanceUid,
        this.share({ configurationId: change.configurationId, version: change.version, configHash: change.configHash }),
      );
    }
  }

  private share(desired: DesiredConfig): DesiredConfig {
    return this.shared.share(`${desired.configurationId}:${desired.version}:${desired.configHash}`, desired);
  }

  forget(instanceUids?: string[]): void {
    if (!instanceUids) {
      this.desired.clear();
      return;
    }
    for (const uid of instanceUids) {
      this.desired.delete(uid);
    }
  }

  async content(configurationId: string, version: number): Promise<VersionContent | null> {
    const key = `${configurationId}:${version}`;
    const cached = this.contents.get(key);
    if (cached) {
      return cached;
    }
    const entity = await this.history.version(configurationId, version);
    if (!entity) {
      return null;
    }
    const content: VersionContent = {
      configurationId,
      version,
      configHash: entity.configHash,
      fileName: entity.fileName,
      contentType: entity.contentType,
      rawConfig: entity.rawConfig,
    };
    if (this.contents.size >= MAX_CONTENTS) {
      this.contents.delete(this.contents.keys().next().value as string);
    }
    this.contents.set(key, content);
    return content;
  }
}
