import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { discoverHooks } from '../common/discovered-hooks.js';

/** A feature's view of an agent (e.g. its assigned configuration), added to GET /agents/:id. */
export interface AgentDetailContributor {
  contribute(instanceUid: string): Promise<unknown>;
}

const CONTRIBUTOR = DiscoveryService.createDecorator<{ field: string }>();

/** Marks a provider whose contribution becomes the top-level `field` of the agent detail JSON. */
export const AgentDetailContributor = (field: string): ClassDecorator => CONTRIBUTOR({ field });

/**
 * The @AgentDetailContributor providers of the features above the agents module, found at
 * bootstrap, so the agent detail can show their state without this module importing them.
 */
@Injectable()
export class AgentDetailContributors implements OnModuleInit {
  private contributors: ReadonlyMap<string, AgentDetailContributor> = new Map();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const found = discoverHooks<AgentDetailContributor, { field: string }>(
      this.discovery,
      CONTRIBUTOR,
      'Agent detail contributor',
    );
    const contributors = new Map<string, AgentDetailContributor>();
    for (const { instance, options, className } of found) {
      const other = found.find((f) => f.options.field === options.field && f.instance !== instance);
      if (other) {
        throw new Error(`Agent detail contributors ${className} and ${other.className} both fill "${options.field}"`);
      }
      contributors.set(options.field, instance);
    }
    this.contributors = contributors;
  }

  async collect(instanceUid: string): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      [...this.contributors].map(
        async ([field, contributor]) => [field, await contributor.contribute(instanceUid)] as const,
      ),
    );
    return Object.fromEntries(entries);
  }
}
