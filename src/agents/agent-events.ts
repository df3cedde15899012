import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

export type AgentEventType =
  'connected' | 'disconnected' | 'status' | 'labels' | 'deleted' | 'custom_message' | 'drift';

/** A change to an agent, as features (assignment, the console's live view) need to know it. */
export interface AgentEvent {
  type: AgentEventType;
  instanceUid: string;
}

/** In-process notifications about agents; listeners must not throw or block. */
@Injectable()
export class AgentEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  emit(event: AgentEvent): void {
    this.emitter.emit('agent', event);
  }

  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.emitter.on('agent', listener);
    return () => this.emitter.off('agent', listener);
  }
}
