import { Injectable, Logger } from '@nestjs/common';
import { frameMessage } from './framing.js';
import { OpampMetrics } from './opamp-metrics.js';
import { OpampCodec } from './proto/opamp-codec.js';
import type { ServerToAgent, ServerToAgentDraft } from './proto/opamp.types.js';
import { SessionRegistry } from './session-registry.js';

/**
 * How features reach agents connected to this instance. A WebSocket agent gets the message at
 * once; an HTTP agent gets it merged into the answer to its next poll.
 */
@Injectable()
export class OpampGateway {
  private readonly logger = new Logger(OpampGateway.name);

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly codec: OpampCodec,
    private readonly metrics: OpampMetrics,
  ) {}

  isConnected(instanceUid: string): boolean {
    return this.sessions.get(instanceUid) !== undefined;
  }

  /** The agent's capabilities as last reported, if it is connected here. */
  capabilitiesOf(instanceUid: string): number | undefined {
    return this.sessions.get(instanceUid)?.snapshot.capabilities;
  }

  /** False when the agent is not connected to this instance. */
  async send(instanceUid: string, draft: ServerToAgentDraft): Promise<boolean> {
    const session = this.sessions.get(instanceUid);
    if (!session) {
      return false;
    }
    if (session.transport === 'http' || !session.socket) {
      session.pending.push(draft);
      return true;
    }
    const message: ServerToAgent = { ...draft, instance_uid: session.uid };
    try {
      await session.socket.sendFrame(frameMessage(this.codec.encodeServerToAgent(message)));
      this.metrics.messagesOut.inc({ transport: 'websocket' });
      return true;
    } catch (error) {
      this.logger.warn(`Could not send to ${instanceUid}: ${(error as Error).message}`);
      return false;
    }
  }
}

/**
 * Folds queued drafts into one reply for an HTTP poll. A command must travel alone, so it is
 * returned by itself and everything else stays queued for the following poll.
 */
export function takePending(pending: ServerToAgentDraft[], reply: ServerToAgentDraft): ServerToAgentDraft {
  const commandIndex = pending.findIndex((draft) => draft.command !== undefined);
  if (commandIndex >= 0) {
    const [withCommand] = pending.splice(commandIndex, 1);
    return { command: withCommand.command, capabilities: reply.capabilities };
  }
  const merged: ServerToAgentDraft = {};
  for (const draft of pending.splice(0)) {
    Object.assign(merged, draft, { flags: (merged.flags ?? 0) | (draft.flags ?? 0) });
  }
  // The handlers' reply is the freshest view, so it wins over anything queued earlier.
  return { ...merged, ...stripUndefined(reply), flags: (merged.flags ?? 0) | (reply.flags ?? 0) || undefined };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
