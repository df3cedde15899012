import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { RolloutPhase, RolloutStatus } from './rollout.types.js';

/** A rollout moved: created, a stage offered, baked, a gate tripped, paused, finished... */
export interface RolloutEvent {
  rolloutId: string;
  /** Null for a package rollout. */
  configurationId: string | null;
  packageAssignmentId?: number | null;
  status: RolloutStatus;
  stage: number;
  phase: RolloutPhase;
  /** What happened, e.g. `stage_offered`, `gate_tripped`, `rolled_back`. */
  change: string;
}

/** In-process notifications of rollout progress (live events, webhooks); listeners must not throw. */
@Injectable()
export class RolloutEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  emit(event: RolloutEvent): void {
    this.emitter.emit('rollout', event);
  }

  subscribe(listener: (event: RolloutEvent) => void): () => void {
    this.emitter.on('rollout', listener);
    return () => this.emitter.off('rollout', listener);
  }
}
