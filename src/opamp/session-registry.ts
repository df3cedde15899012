import { Injectable } from '@nestjs/common';
import type { AgentSession } from './agent-session.js';

/** The agents this instance is talking to, by canonical instance_uid. */
@Injectable()
export class SessionRegistry {
  private readonly sessions = new Map<string, AgentSession>();

  get(instanceUid: string): AgentSession | undefined {
    return this.sessions.get(instanceUid);
  }

  set(session: AgentSession): void {
    this.sessions.set(session.instanceUid, session);
  }

  /** Removes the session only if it is still the one given (a reconnect may have replaced it). */
  delete(session: AgentSession): boolean {
    if (this.sessions.get(session.instanceUid) !== session) {
      return false;
    }
    return this.sessions.delete(session.instanceUid);
  }

  values(): IterableIterator<AgentSession> {
    return this.sessions.values();
  }

  countByTransport(): { websocket: number; http: number } {
    const counts = { websocket: 0, http: 0 };
    for (const session of this.sessions.values()) {
      counts[session.transport] += 1;
    }
    return counts;
  }

  get size(): number {
    return this.sessions.size;
  }
}
