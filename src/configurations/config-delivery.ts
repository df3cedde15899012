import { Injectable } from '@nestjs/common';
import { chunked } from '../common/chunked.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { OpampCodec } from '../opamp/proto/opamp-codec.js';
import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import { ApplyHistoryService } from './apply-history.service.js';
import type { ForwardedPush } from './assignment.store.js';
import type { PushTarget } from './config-assignment.repository.js';
import { ConfigurationNotFound } from './configurations.errors.js';
import { DesiredConfigCache } from './desired-config.cache.js';
import { toAgentRemoteConfig } from './remote-config.js';
import { RemoteConfigHandler } from './remote-config.handler.js';

/** Why a push left an agent out (the API's `skipped[].reason`). */
export const SKIP_REASONS = [
  'unknown_agent',
  'not_assigned',
  'no_remote_config_capability',
  'not_connected',
  'already_applied',
  'already_applying',
  'already_failed',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type Skipped = Array<{ agentId: string; reason: SkipReason }>;

/** What an agent last reported about its remote config. */
export interface ReportedConfig {
  hash: string | null;
  status: string | null;
}

/** Sends in batches of this many agents. */
const SEND_BATCH = 256;
/** How long sends may hold the event loop before it takes a turn (see deliver). */
const SEND_SLICE_MS = 500;

export interface Delivery {
  sent: number;
  skipped: Skipped;
  /** Time spent sending the offers, and then waiting for their rows to be written (for the slow-push log). */
  recordMs: number;
  sendMs: number;
}

/**
 * The one rule, for agents held here (live report) and elsewhere (stored report), that keeps an
 * offer from going to an agent whose report about this very hash already answers it. An offer
 * would get no answer: it is already running it, applying it, or (agents that report a status
 * only when it changes) it failed it before. `force` re-offers a FAILED hash.
 */
export function skipForReport(reported: ReportedConfig, configHash: string, force: boolean): SkipReason | null {
  if (reported.hash !== configHash) {
    return null;
  }
  if (reported.status === 'APPLIED') {
    return 'already_applied';
  }
  if (reported.status === 'APPLYING') {
    return 'already_applying';
  }
  return reported.status === 'FAILED' && !force ? 'already_failed' : null;
}

export function acceptsRemoteConfig(capabilities: number): boolean {
  return (capabilities & AgentCapabilities.AcceptsRemoteConfig) !== 0;
}

/** Offers one configuration version to agents connected here, recording each offer first. */
@Injectable()
export class ConfigDelivery {
  constructor(
    private readonly gateway: OpampGateway,
    private readonly cache: DesiredConfigCache,
    private readonly handler: RemoteConfigHandler,
    private readonly applies: ApplyHistoryService,
    private readonly codec: OpampCodec,
  ) {}

  async deliver(push: ForwardedPush, targets: PushTarget[]): Promise<Delivery> {
    const skipped: Skipped = [];
    const content = await this.cache.content(push.configurationId, push.version);
    if (!content) {
      throw new ConfigurationNotFound(push.configurationId);
    }
    const receivers: string[] = [];
    const reofferedFailed = new Set<string>();
    for (const target of targets) {
      const capabilities = this.gateway.capabilitiesOf(target.instanceUid) ?? target.capabilities;
      // The live report when the agent is connected here (the stored row lags by a flush).
      const reported = this.gateway.remoteConfigOf(target.instanceUid) ?? {
        hash: target.remoteConfigHash,
        status: target.remoteConfigStatus,
      };
      const reason = acceptsRemoteConfig(capabilities)
        ? skipForReport(reported, content.configHash, push.force === true)
        : 'no_remote_config_capability';
      if (reason) {
        skipped.push({ agentId: target.instanceUid, reason });
        continue;
      }
      receivers.push(target.instanceUid);
      if (reported.hash === content.configHash && reported.status === 'FAILED') {
        reofferedFailed.add(target.instanceUid);
      }
    }
    const offer = this.codec.prepareServerToAgent({ remote_config: toAgentRemoteConfig(content) });
    const startedAt = Date.now();
    let sent = 0;
    const alreadyApplied: string[] = [];
    const sendOne = async (instanceUid: string): Promise<void> => {
      // An agent offered this hash on a heartbeat since the targets were read may have applied it,
      // reporting into that offer's row only: ours is closed too, and nothing sent.
      const now = this.gateway.remoteConfigOf(instanceUid);
      if (now?.hash === content.configHash && now.status === 'APPLIED') {
        alreadyApplied.push(instanceUid);
        skipped.push({ agentId: instanceUid, reason: 'already_applied' });
        return;
      }
      // An explicit push (or a new assignment) overrides "this version failed here, do not re-offer".
      this.handler.allowOffer([instanceUid]);
      // Noted before sending: the agent's next message may arrive before the send resolves.
      if (reofferedFailed.has(instanceUid)) {
        this.handler.markReofferedFailed(instanceUid, content.configHash);
      }
      // Noted before sending too: a heartbeat handled while the send is under way must not offer it again.
      this.handler.markOffered(instanceUid, content.configHash);
      if (await this.gateway.send(instanceUid, offer)) {
        sent += 1;
      } else {
        this.handler.allowOffer([instanceUid]);
        this.handler.unmarkReofferedFailed(instanceUid);
        // Its connection closed meanwhile: the pending row turns `timeout` unless it reconnects and applies.
        skipped.push({ agentId: instanceUid, reason: 'not_connected' });
      }
    };
    // The offers go out while their rows are written: reports of these agents wait for the rows
    // (ApplyHistoryService.recordOffers), so a fast agent's APPLYING/APPLIED is not lost. If the
    // write fails, the offers are out and the push fails with its error; those agents' reports
    // then find no row of this push to move.
    const recording = this.applies.recordOffers(
      receivers.map((instanceUid) => ({
        configurationId: push.configurationId,
        version: push.version,
        configHash: content.configHash,
        instanceUid,
        pushId: push.pushId,
      })),
    );
    // Awaited below: keep a failure from being reported as unhandled while the offers go out.
    recording.catch(() => undefined);
    let sliceStartedAt = Date.now();
    for (const batch of chunked(receivers, SEND_BATCH)) {
      await Promise.all(batch.map(sendOne));
      // Sends complete without I/O: without a turn of the event loop now and then, a push to
      // 100,000 agents would hold every heartbeat and API request for seconds. Not after every
      // batch: each turn handles the reports of the agents offered so far, and the offers still
      // to send would wait behind them.
      if (Date.now() - sliceStartedAt >= SEND_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStartedAt = Date.now();
      }
    }
    const sentAt = Date.now();
    await recording;
    const recordMs = Date.now() - sentAt;
    await this.applies.recordAppliedMany(alreadyApplied, content.configHash);
    return { sent, skipped, recordMs, sendMs: sentAt - startedAt };
  }
}
