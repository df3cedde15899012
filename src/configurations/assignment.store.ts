import type { EntityManager } from 'typeorm';
import { chunked } from '../common/chunked.js';
import { AssignmentWritesRepository } from './assignment-writes.repository.js';
import type { Selector } from './selector.js';

/**
 * Every configuration write takes this transaction-scoped advisory lock exclusively; agent-side
 * reassignment takes it shared. Configuration writes are rare, and serialising them means an
 * assignment recompute always sees every committed configuration, on any number of instances.
 */
export const CONFIGURATION_WRITE_LOCK = 4_203_160_001;

/** An agent whose desired configuration changed (configurationId null: nothing matches it any more). */
export interface AssignmentChange {
  instanceUid: string;
  configurationId: string | null;
  version: number | null;
  configHash: string | null;
}

/** Which agents a recompute looks at. */
export type RecomputeScope =
  { kind: 'configuration'; configurationId: string; selector: Selector } | { kind: 'agents'; instanceUids: string[] };

/** Channel on which committed assignment changes wake the other server instances. */
export const ASSIGNMENT_CHANNEL = 'opamp_config_assignments';

/**
 * Agents listed per wake-up (NOTIFY payloads are < 8000 bytes). More agents take more wake-ups,
 * all sent by one statement: about 270 for 40,000 agents, not one per agent.
 */
export const MAX_NOTIFIED_UIDS = 150;

/** Splits agents into the lists of successive wake-ups. */
export function chunkUids(instanceUids: string[]): string[][] {
  return chunked(instanceUids, MAX_NOTIFIED_UIDS);
}

/**
 * What a wake-up carries: who wrote, and which agents changed. Every writer lists them (in
 * several wake-ups when they are many); a wake-up without a list means "reload everything".
 */
export interface AssignmentNotification {
  origin: string;
  instanceUids?: string[];
  /** Set when an operator's push is forwarded to the instances holding these agents. */
  push?: ForwardedPush;
}

export interface ForwardedPush {
  pushId: string;
  configurationId: string;
  version: number;
  /** Re-offer to agents that reported FAILED for this version (an operator's `force`). */
  force?: boolean;
}

/** Desired-state writes on the agents table, run inside the caller's transaction (SQL in AssignmentWritesRepository). */
export class AssignmentStore {
  private readonly writes: AssignmentWritesRepository;

  /** `origin` names the writing instance, so it can ignore its own wake-ups. */
  constructor(
    manager: EntityManager,
    private readonly origin: string,
  ) {
    this.writes = new AssignmentWritesRepository(manager);
  }

  /**
   * Recomputes the desired configuration of the agents in scope. For a configuration change the
   * scope is the agents assigned to it plus those its selector matches: nobody else can win or lose it.
   */
  async recompute(scope: RecomputeScope, wake = true): Promise<AssignmentChange[]> {
    const rows =
      scope.kind === 'configuration'
        ? await this.writes.recomputeForConfiguration(scope.configurationId, scope.selector)
        : await this.writes.recomputeForAgents(scope.instanceUids);
    // `wake` false: the caller wakes them itself (a push names its agents in its own wake-up).
    if (rows.length > 0 && wake) {
      await this.wakeOtherInstances(rows.map((row) => row.instance_uid));
    }
    return rows.map((row) => ({
      instanceUid: row.instance_uid,
      configurationId: row.configuration_id,
      version: row.version,
      configHash: row.config_hash,
    }));
  }

  /**
   * NOTIFY inside the transaction is delivered only if it commits, so other instances never act
   * on a rolled-back change and never miss a committed one while their listener is connected.
   */
  private async wakeOtherInstances(instanceUids: string[]): Promise<void> {
    // Listed, however many: "reload everything" left the receivers nothing to offer, and their
    // agents waited for their next heartbeat.
    const payloads = chunkUids(instanceUids).map((chunk) =>
      JSON.stringify({ origin: this.origin, instanceUids: chunk } satisfies AssignmentNotification),
    );
    await this.writes.notify(ASSIGNMENT_CHANNEL, payloads);
  }

  /** Every agent assigned this configuration is to get `version` (pins to other versions are dropped). */
  async release(configurationId: string, version: number, configHash: string): Promise<void> {
    await this.writes.setReleased(configurationId, version, configHash);
    await this.writes.deletePins(configurationId);
  }

  /** These agents get `version` of the configuration (when it is the one that wins for them). */
  pin(configurationId: string, version: number, configHash: string, instanceUids: string[]): Promise<void> {
    return this.writes.upsertPins(configurationId, version, configHash, instanceUids);
  }

  /** These agents get the configuration's released version again. */
  unpin(configurationId: string, instanceUids: string[]): Promise<void> {
    return this.writes.deletePinsOf(configurationId, instanceUids);
  }

  countAssigned(configurationId: string): Promise<number> {
    return this.writes.countAssigned(configurationId);
  }
}
