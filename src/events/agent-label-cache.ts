import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { agentLabelSet } from '../agents/label-set.js';
import { MicroBatcher } from '../common/micro-batcher.js';

const TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

interface LabelRow {
  instance_uid: string;
  identifying_attributes: Record<string, string>;
  non_identifying_attributes: Record<string, string>;
  labels: Record<string, string>;
}

/**
 * Agents' label sets for selector subscriptions, read in batches (one query per burst of events)
 * and kept briefly; a `labels` event drops the agent's entry so a relabelled agent is seen at once.
 */
@Injectable()
export class AgentLabelCache {
  private readonly entries = new Map<string, { labels: Record<string, string>; at: number }>();
  private readonly batcher: MicroBatcher<string, Record<string, string>>;

  constructor(private readonly dataSource: DataSource) {
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
    const valid = uids.filter((u) => /^[0-9a-f-]{36}$/i.test(u));
    const rows = await this.dataSource.query<LabelRow[]>(
      `SELECT instance_uid, identifying_attributes, non_identifying_attributes, labels
         FROM agents WHERE instance_uid = ANY($1::uuid[])`,
      [valid],
    );
    return new Map(
      rows.map((r) => [
        r.instance_uid,
        agentLabelSet({
          identifyingAttributes: r.identifying_attributes,
          nonIdentifyingAttributes: r.non_identifying_attributes,
          labels: r.labels,
        }),
      ]),
    );
  }
}
