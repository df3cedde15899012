import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MicroBatcher } from '../common/micro-batcher.js';
import type { Page } from '../common/pagination.js';
import { ApplyEvents } from './apply-events.js';
import type { ApplyStatus } from './apply-record.entity.js';
import {
  ApplyHistoryRepository,
  type ApplyRecordFilter,
  type ApplyRecordView,
  reportKey,
  type NewApplyRecord,
  type StatusReport,
} from './apply-history.repository.js';
import { ConfigAssignmentRepository, type PushRecord } from './config-assignment.repository.js';
import { AgentNotFound } from '../agents/agents.errors.js';
import { APPLY_TRANSITIONS } from './apply-state.js';
import { ConfigurationNotFound, PushNotFound } from './configurations.errors.js';
import { ConfigurationsRepository } from './configurations.repository.js';

export type ReportedStatus = 'APPLYING' | 'APPLIED' | 'FAILED';

/** How long reports and offers wait to share one statement with other agents'. */
const BATCH_MS = 5;
/** Arrays of this many rows per statement at most. */
const BATCH_MAX = 5000;
/** Statements of one kind running at once; later reports gather into the next batch meanwhile. */
const BATCH_IN_FLIGHT = 2;

export interface ApplySummary {
  total: number;
  counts: Record<ApplyStatus, number>;
}

/**
 * The apply history: one row per offer of a configuration version to an agent, moved by the
 * agent's RemoteConfigStatus reports, and expired to `timeout` by a periodic sweep.
 */
@Injectable()
export class ApplyHistoryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ApplyHistoryService');
  private sweepTimer?: NodeJS.Timeout;
  /*
   * Reports and heartbeat offers arrive one agent at a time, thousands a second when a fleet
   * applies a push: each batch of a few milliseconds is one statement. Callers still await their
   * own entry, so an agent's reply (and so its next report) waits until its row is written.
   */
  private readonly offers = new MicroBatcher<NewApplyRecord, true>(
    async (batch) => {
      await this.records.insertPendingUnlessOpen([...lastPerAgentAndHash(batch).values()]);
      return new Map(batch.map((record) => [record, true]));
    },
    BATCH_MS,
    BATCH_MAX,
    BATCH_IN_FLIGHT,
  );
  private readonly reports = new MicroBatcher<StatusReport, true>(
    async (batch) => {
      const unique = [...lastPerAgentAndHash(batch).values()];
      const moved = await this.records.transitionReports(unique);
      await this.records.markRolledBack(
        unique.filter((r) => r.to === 'applied' && !moved.has(reportKey(r.instanceUid, r.configHash))),
      );
      return new Map(batch.map((report) => [report, true]));
    },
    BATCH_MS,
    BATCH_MAX,
    BATCH_IN_FLIGHT,
  );

  /** Offers being written, by agent (see recordOffers). */
  private readonly recording = new Map<string, Promise<void>>();

  constructor(
    private readonly records: ApplyHistoryRepository,
    private readonly configurations: ConfigurationsRepository,
    private readonly assignments: ConfigAssignmentRepository,
    private readonly config: AppConfig,
    private readonly events: ApplyEvents,
  ) {}

  onModuleInit(): void {
    // A quarter of the timeout keeps the lateness of a `timeout` under 25%; at most every 30 s.
    const everyMs = Math.min(30, Math.max(1, this.config.applyTimeoutSeconds / 4)) * 1000;
    this.sweepTimer = setInterval(() => void this.sweepSafely(), everyMs);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * Records offers. The caller may send them before this resolves: until the rows are written, a
   * report of one of these agents waits for them (in recordStatus), so it moves its own row and is
   * not lost.
   */
  async recordOffers(records: NewApplyRecord[]): Promise<void> {
    const written = this.records.insertPending(records);
    const settled = written.then(
      () => undefined,
      () => undefined,
    );
    for (const record of records) {
      this.recording.set(record.instanceUid, settled);
    }
    try {
      await written;
    } finally {
      for (const record of records) {
        if (this.recording.get(record.instanceUid) === settled) {
          this.recording.delete(record.instanceUid);
        }
      }
    }
    if (records.length > 0) {
      this.events.emit({ status: 'pending' });
    }
  }

  /** Agents known to run `configHash` already: their open rows for it are applied. */
  async recordAppliedMany(instanceUids: string[], configHash: string): Promise<void> {
    await this.records.transitionMany(instanceUids, configHash, APPLY_TRANSITIONS.confirmApplied);
    if (instanceUids.length > 0) {
      this.events.emit({ status: 'applied' });
    }
  }

  /** Records a heartbeat's offer unless the agent has an open row for that hash; batched with other agents'. */
  async recordOfferUnlessOpen(record: NewApplyRecord): Promise<void> {
    await this.offers.get(record);
    this.events.emit({ instanceUid: record.instanceUid, status: 'pending' });
  }

  /**
   * Applies an agent's report about `configHash` (hex), batched with other agents' reports of the
   * same few milliseconds. An APPLIED report for a hash the agent has no open offer for, right
   * after its newest offer FAILED, means it went back to its previous config: that failed row
   * becomes `rolled_back`.
   */
  async recordStatus(
    instanceUid: string,
    configHash: string,
    status: ReportedStatus,
    error: string | null,
  ): Promise<void> {
    const to = status === 'APPLYING' ? 'applying' : status === 'APPLIED' ? 'applied' : 'failed';
    const offer = this.recording.get(instanceUid);
    if (offer) {
      await offer;
    }
    await this.reports.get({ instanceUid, configHash, to, errorMessage: status === 'FAILED' ? error : null });
    this.events.emit({ instanceUid, status: to });
  }

  /** A rollout rolled these agents back from `configHash`: their apply history says `rolled_back` and why. */
  async recordRollback(configurationId: string, configHash: string, instanceUids: string[], reason: string) {
    await this.records.recordRollback(configurationId, configHash, instanceUids, reason);
    if (instanceUids.length > 0) {
      this.events.emit({ status: 'rolled_back' });
    }
  }

  /** Marks offers unanswered for APPLY_TIMEOUT_SECONDS as `timeout`; safe to run on every instance at once. */
  async sweepTimeouts(): Promise<number> {
    const expired = await this.records.expireOpen(this.config.applyTimeoutSeconds);
    if (expired > 0) {
      this.events.emit({ status: 'timeout' });
    }
    return expired;
  }

  async listForConfiguration(name: string, filter: ApplyRecordFilter, offset: number, limit: number) {
    const configuration = await this.configurations.findLatestByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    return this.page({ ...filter, configurationId: configuration.id }, offset, limit);
  }

  async listForAgent(instanceUid: string, filter: ApplyRecordFilter, offset: number, limit: number) {
    const page = await this.page({ ...filter, instanceUid }, offset, limit);
    // History outlives agent rows, so only an agent with neither is unknown.
    if (page.total === 0 && !(await this.assignments.agentExists(instanceUid))) {
      throw new AgentNotFound(instanceUid);
    }
    return page;
  }

  /**
   * Agents of one push per state, with what the push did when it was made. A push whose agents
   * were all skipped has no offers but is still known; an automatic push (on create, update or a
   * label change) is known by its offers only.
   */
  async summaryForPush(name: string, pushId: string): Promise<ApplySummary & { push: PushRecord | null }> {
    const configuration = await this.configurations.findLatestByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    const [push, counts] = await Promise.all([
      this.assignments.findPush(configuration.id, pushId),
      this.records.countByStatus({ configurationId: configuration.id, pushId }, true),
    ]);
    const summary = summarize(counts);
    if (summary.total === 0 && !push) {
      throw new PushNotFound(pushId);
    }
    return { ...summary, push };
  }

  /** Agents per state of their newest offer of this configuration's current version. */
  async summaryForConfiguration(name: string): Promise<ApplySummary & { version: number }> {
    const configuration = await this.configurations.findLatestByName(name);
    if (!configuration) {
      throw new ConfigurationNotFound(name);
    }
    const counts = await this.records.countByStatus(
      { configurationId: configuration.id, version: configuration.version },
      true,
    );
    return { version: configuration.version, ...summarize(counts) };
  }

  private async page(filter: ApplyRecordFilter, offset: number, limit: number): Promise<Page<ApplyRecordView>> {
    const [items, total] = await this.records.list(filter, offset, limit);
    return { items, total };
  }

  private async sweepSafely(): Promise<void> {
    try {
      const expired = await this.sweepTimeouts();
      if (expired > 0) {
        this.logger.log({ expired }, 'Apply offers timed out');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Apply timeout sweep failed');
    }
  }
}

function summarize(counts: Record<string, number>): ApplySummary {
  const all: Record<ApplyStatus, number> = {
    pending: 0,
    applying: 0,
    applied: 0,
    failed: 0,
    timeout: 0,
    rolled_back: 0,
  };
  for (const [status, count] of Object.entries(counts)) {
    all[status as ApplyStatus] = count;
  }
  return { total: Object.values(all).reduce((a, b) => a + b, 0), counts: all };
}

/** Within one batch an agent's later report about a hash supersedes its earlier one (APPLYING, then APPLIED). */
function lastPerAgentAndHash<T extends { instanceUid: string; configHash: string }>(batch: T[]): Map<string, T> {
  const latest = new Map<string, T>();
  for (const entry of batch) {
    latest.set(reportKey(entry.instanceUid, entry.configHash), entry);
  }
  return latest;
}
