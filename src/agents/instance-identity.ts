import { Injectable } from '@nestjs/common';
import crypto from 'node:crypto';
import os from 'node:os';
import { AppConfig } from '../config/app-config.js';

/**
 * This server instance's id in the `agents.instance_id` column and `server_instances`.
 * INSTANCE_ID, or host name plus OpAMP port: stable across restarts, so a restarted instance
 * can recognise (and mark offline) the agents it held before. An ephemeral port (0) gets a
 * random suffix instead, since it says nothing about identity.
 */
@Injectable()
export class InstanceIdentity {
  readonly id: string;

  constructor(config: AppConfig) {
    const suffix = config.opampPort === 0 ? crypto.randomUUID().slice(0, 8) : String(config.opampPort);
    this.id = config.instanceId ?? `${os.hostname()}:${suffix}`;
  }
}
