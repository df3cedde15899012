import { Injectable } from '@nestjs/common';

/** Adds a feature's view of an agent (e.g. its assigned configuration) to GET /agents/:id. */
export type AgentDetailContributor = (instanceUid: string) => Promise<unknown>;

/**
 * Features above the agents module register here, so the agent detail can show their state
 * without this module importing them.
 */
@Injectable()
export class AgentDetailContributors {
  private readonly contributors = new Map<string, AgentDetailContributor>();

  /** `field` becomes a top-level key of the agent detail JSON. */
  register(field: string, contributor: AgentDetailContributor): void {
    this.contributors.set(field, contributor);
  }

  async collect(instanceUid: string): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      [...this.contributors].map(async ([field, contribute]) => [field, await contribute(instanceUid)] as const),
    );
    return Object.fromEntries(entries);
  }
}
