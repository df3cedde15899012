import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AgentEvents } from '../agents/agent-events.js';
import { PackageDeploymentsService } from './package-deployments.service.js';
import { PackageOffersHandler } from './package-offers.handler.js';
import { PackageWakeups } from './package-wakeups.js';

/** When the agents held here are offered their packages again, outside their own messages. */
@Injectable()
export class PackageReoffers implements OnModuleInit {
  private readonly logger = new Logger(PackageReoffers.name);

  constructor(
    private readonly offers: PackageOffersHandler,
    private readonly deployments: PackageDeploymentsService,
    private readonly wakeups: PackageWakeups,
    private readonly events: AgentEvents,
  ) {}

  onModuleInit(): void {
    // Assignments or packages changed on some instance: offer the new set to the agents held here.
    this.wakeups.onChange(() => {
      this.deployments.forgetAssignments();
      this.offerSafely();
    });
    // An operator's label change (on any instance) may put an agent held here under a selector.
    this.events.subscribe((event) => {
      if (event.type === 'labels') {
        this.offerSafely([event.instanceUid]);
      }
    });
  }

  private offerSafely(instanceUids?: string[]): void {
    this.offers.offerToConnected(instanceUids).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Offering changed packages failed; agents get them with their next message');
    });
  }
}
