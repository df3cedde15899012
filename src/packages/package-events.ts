import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** A package status an agent reported that others may want to know about (live events, webhooks). */
export interface PackageEvent {
  instanceUid: string;
  packageName: string;
  status: string;
  errorMessage: string | null;
}

/** In-process notifications about agents' package statuses; listeners must not throw or block. */
@Injectable()
export class PackageEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(50);

  emit(event: PackageEvent): void {
    this.emitter.emit('package', event);
  }

  subscribe(listener: (event: PackageEvent) => void): () => void {
    this.emitter.on('package', listener);
    return () => this.emitter.off('package', listener);
  }
}
