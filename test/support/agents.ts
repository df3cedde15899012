import crypto from 'node:crypto';
import pg from 'pg';

export interface AgentRow {
  instanceUid?: string;
  identifying?: Record<string, string>;
  nonIdentifying?: Record<string, string>;
  labels?: Record<string, string>;
  capabilities?: number;
}

/** Inserts agent rows straight into the inventory, as the OpAMP server would; returns their uids. */
export async function insertAgents(databaseUrl: string, agents: AgentRow[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const uids: string[] = [];
    for (const agent of agents) {
      const uid = agent.instanceUid ?? crypto.randomUUID();
      await client.query(
        `INSERT INTO agents (instance_uid, identifying_attributes, non_identifying_attributes, labels, capabilities, status)
         VALUES ($1, $2, $3, $4, $5, 'online')`,
        [
          uid,
          JSON.stringify(agent.identifying ?? {}),
          JSON.stringify(agent.nonIdentifying ?? {}),
          JSON.stringify(agent.labels ?? {}),
          agent.capabilities ?? 0x3,
        ],
      );
      uids.push(uid);
    }
    return uids;
  } finally {
    await client.end();
  }
}

/** Runs one SQL query on the test database. */
export async function sql<T = Record<string, unknown>>(
  databaseUrl: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
