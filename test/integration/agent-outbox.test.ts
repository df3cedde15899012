import crypto from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { PgNotifications } from '../../src/database/pg-notifications.js';
import { AgentOutbox } from '../../src/opamp/agent-outbox.js';
import { AgentOutboxRepository } from '../../src/opamp/agent-outbox.repository.js';
import { OpampCodec } from '../../src/opamp/proto/opamp-codec.js';
import { sql } from '../support/agents.js';
import { createTestDatabase } from '../support/database.js';

describe('agent outbox on a real PostgreSQL', () => {
  let databaseUrl: string;
  let dataSource: DataSource;
  let sut: AgentOutbox;

  const message = (n: number) => ({ custom_message: { capability: 'test', type: `m${n}`, data: Buffer.of(n) } });
  const types = (drafts: Array<{ custom_message?: { type?: string } }>) => drafts.map((d) => d.custom_message?.type);

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    dataSource = new DataSource(dataSourceOptions(databaseUrl));
    await dataSource.initialize();
    sut = new AgentOutbox(
      new AgentOutboxRepository(dataSource),
      new PgNotifications(databaseUrl, dataSource),
      new OpampCodec(),
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('gives agents that ask together each its own messages, oldest first, and leaves none behind', async () => {
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await sut.enqueue(a, message(1));
    await sut.enqueue(b, message(2));
    await sut.enqueue(a, message(3));
    const [forA, forB, forC] = await Promise.all([sut.take(a), sut.take(b), sut.take(c)]);
    expect(types(forA)).toEqual(['m1', 'm3']);
    expect(types(forB)).toEqual(['m2']);
    expect(forC).toEqual([]);
    const left = await sql<{ n: number }>(
      databaseUrl,
      'SELECT count(*)::int AS n FROM agent_outbox WHERE instance_uid = ANY($1::uuid[])',
      [[a, b, c]],
    );
    expect(left[0].n).toBe(0);
  });

  it('delivers a message once when the same agent asks twice at the same moment', async () => {
    const uid = crypto.randomUUID();
    await sut.enqueue(uid, message(4));
    const takes = await Promise.all([sut.take(uid), sut.take(uid)]);
    expect(takes.flat()).toHaveLength(1);
    expect(await sut.take(uid)).toEqual([]);
  });

  it('drops a message older than the TTL instead of delivering it', async () => {
    const uid = crypto.randomUUID();
    await sut.enqueue(uid, message(5));
    await sql(databaseUrl, `UPDATE agent_outbox SET created_at = now() - interval '1 hour' WHERE instance_uid = $1`, [
      uid,
    ]);
    await sut.enqueue(uid, message(6));
    expect(types(await sut.take(uid))).toEqual(['m6']);
  });
});
