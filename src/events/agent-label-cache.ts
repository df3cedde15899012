import { Injectable } from '@nestjs/common';
import { AgentsRepository } from '../agents/agents.repository.js';
import { agentLabelSet } from '../agents/label-set.js';
import { MicroBatcher } from '../common/micro-batcher.js';

const TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

/**
 * Agents' label sets for selector subscriptions, read in batches (one query per burst of events)
 * and kept briefly; a `labels` event drops the agent's entry so a relabelled agent is seen at once.
 */
@Injectable()
export class AgentLabelCache {
  private readonly entries = new Map<string, { labels: Record<string, string>; at: number }>();
  private readonly batcher: MicroBatcher<string, Record<string, string>>;

  constructor(private readonly agents: AgentsRepository) {
    this.batcher = new MicroBatcher((uids) => this.load(uids), 10, 1000, 2);
  }

  async labelsOf(instanceUid: string): Promise<Record<string, string>> {
    const cached = this.entries.get(instanceUid);
    if (cached && Date.now() - cached.at < TTL_MS) {
      return cached.labels;
    }
    const labels = (await this.batcher.get(instanceUid)) ?? {};
    if (this.entries.size >= MAX_ENTRIES) {
      this.entries.clear();
    }
    this.entries.set(instanceUid, { labels, at: Date.now() });
    return labels;
  }

  forget(instanceUid: string): void {
    this.entries.delete(instanceUid);
  }

  private async load(uids: string[]): Promise<Map<string, Record<string, string>>> {
    const sources = await this.agents.findLabelSources(uids.filter((u) => /^[0-9a-f-]{36}$/i.test(u)));
    return new Map([...sources].map(([uid, source]) => [uid, agentLabelSet(source)]));
  }
}
