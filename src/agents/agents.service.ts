import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { PgNotifications } from '../database/pg-notifications.js';
import type { Page } from '../common/pagination.js';
import { OpampGateway } from '../opamp/opamp-gateway.js';
import { AgentCapabilities, CommandType } from '../opamp/proto/opamp.types.js';
import { AgentDetailContributors } from './agent-detail-contributors.js';
import { AgentEvents } from './agent-events.js';
import { AgentInventoryHandler } from './agent-inventory.handler.js';
import type { AgentEntity } from './agent.entity.js';
import { AgentCannotRestart, AgentNotFound, AgentStillOnline, InvalidSelector } from './agents.errors.js';
import { AgentsRepository, type AgentFilter, type AgentStats } from './agents.repository.js';
import { hasCapability } from './capabilities.js';
import { InstanceIdentity } from './instance-identity.js';
import { LABEL_KEY } from './selector.js';

const LABELS_CHANNEL = 'agent_labels';

@Injectable()
export class AgentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentsService.name);
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly agents: AgentsRepository,
    private readonly inventory: AgentInventoryHandler,
    private readonly gateway: OpampGateway,
    private readonly identity: InstanceIdentity,
    private readonly events: AgentEvents,
    private readonly contributors: AgentDetailContributors,
    private readonly notifications: PgNotifications,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.notifications.listen(LABELS_CHANNEL, (instanceUid) => void this.reloadLabels(instanceUid));
    const stale = await this.agents.markInstanceOffline(this.identity.id);
    if (stale > 0) {
      this.logger.log(`Marked ${stale} agents offline that this instance held before it restarted`);
    }
    await this.agents.heartbeatInstance(this.identity.id, this.config.opampUrl);
    const sweepMs = Math.max(1000, (this.config.opampHeartbeatSeconds * 1000) / 2);
    this.timers = [
      setInterval(() => void this.heartbeat(), this.config.instanceHeartbeatSeconds * 1000),
      setInterval(() => void this.sweep(), sweepMs),
    ];
  }

  onApplicationShutdown(): void {
    this.timers.forEach(clearInterval);
  }

  async list(filter: AgentFilter): Promise<Page<AgentEntity>> {
    const [items, total] = await this.agents.list(filter);
    return { items, total };
  }

  async get(instanceUid: string): Promise<AgentEntity> {
    const agent = await this.agents.findById(instanceUid);
    if (!agent) {
      throw new AgentNotFound(instanceUid);
    }
    return agent;
  }

  /** What other features say about the agent (assigned configuration, packages...). */
  extensions(instanceUid: string): Promise<Record<string, unknown>> {
    return this.contributors.collect(instanceUid);
  }

  async setLabels(instanceUid: string, labels: Record<string, unknown>): Promise<AgentEntity> {
    for (const [key, value] of Object.entries(labels)) {
      if (!LABEL_KEY.test(key) || typeof value !== 'string' || value.length > 256) {
        throw new InvalidSelector(`label "${key}" needs a key of letters, digits, . _ / - and a string value`);
      }
    }
    const updated = await this.agents.setLabels(instanceUid, labels as Record<string, string>);
    if (!updated) {
      throw new AgentNotFound(instanceUid);
    }
    // The instance holding the agent (maybe another one) reloads its labels for matching.
    await this.notifications.notify(LABELS_CHANNEL, instanceUid);
    return updated;
  }

  async delete(instanceUid: string): Promise<void> {
    const agent = await this.get(instanceUid);
    if (agent.status === 'online' || !(await this.agents.deleteOffline(instanceUid))) {
      throw new AgentStillOnline(instanceUid);
    }
    this.events.emit({ type: 'deleted', instanceUid });
  }

  async restart(instanceUid: string): Promise<void> {
    const agent = await this.get(instanceUid);
    if (!hasCapability(agent.capabilities, AgentCapabilities.AcceptsRestartCommand)) {
      throw new AgentCannotRestart(instanceUid, 'it does not report the AcceptsRestartCommand capability');
    }
    if (agent.status !== 'online') {
      throw new AgentCannotRestart(instanceUid, 'it is offline');
    }
    // Delivered by whichever instance holds the agent's connection (see OpampGateway).
    if (!(await this.gateway.send(instanceUid, { command: { type: CommandType.Restart } }))) {
      throw new AgentCannotRestart(instanceUid, 'its connection closed while sending');
    }
  }

  stats(): Promise<AgentStats> {
    return this.agents.stats();
  }

  private async reloadLabels(instanceUid: string): Promise<void> {
    const agent = await this.agents.findById(instanceUid).catch(() => null);
    if (agent) {
      this.inventory.labelsChanged(instanceUid, agent.labels);
      this.events.emit({ type: 'labels', instanceUid });
    }
  }

  private async heartbeat(): Promise<void> {
    await this.agents.heartbeatInstance(this.identity.id, this.config.opampUrl).catch((error: unknown) => {
      this.logger.warn(`Instance heartbeat failed: ${(error as Error).message}`);
    });
  }

  private async sweep(): Promise<void> {
    try {
      const silent = this.config.opampHeartbeatSeconds * 2.5;
      const gone = await this.agents.sweepSilent(silent, this.config.instanceHeartbeatSeconds * 3);
      gone.forEach((instanceUid) => this.events.emit({ type: 'disconnected', instanceUid }));
    } catch (error) {
      this.logger.warn(`Offline sweep failed: ${(error as Error).message}`);
    }
  }
}
