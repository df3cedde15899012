import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** A change in the apply history seen by this instance: offers recorded, or an agent's report. */
export interface ApplyEvent {
  /** The agent whose apply state moved; undefined when a batch of offers was recorded. */
  instanceUid?: string;
  /** The reported or recorded state: pending (offers), applying, applied, failed, timeout, rolled_back (by a rollout). */
  status: 'pending' | 'applying' | 'applied' | 'failed' | 'timeout' | 'rolled_back';
}

/** In-process notifications about apply states (the console's live push progress); listeners must not throw. */
@Injectable()
export class ApplyEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  emit(event: ApplyEvent): void {
    this.emitter.emit('apply', event);
  }

  subscribe(listener: (event: ApplyEvent) => void): () => void {
    this.emitter.on('apply', listener);
    return () => this.emitter.off('apply', listener);
  }
}
