import { acceptQueueLength } from '../../src/opamp/accept-queue.js';
import { createTestDatabase } from '../support/database.js';
import { description, WsTestAgent } from '../support/opamp-agents.js';
import { poll, printFigures, startInstance, type FaultInstance } from './support/fault-instance.js';

const WAITING = 200;
const MAX_ACCEPT_QUEUE = 16;
/** Admitted agents that may await their first answer while the queue is deep (AgentAdmission). */
const BACKLOG_ROOM = 2 * MAX_ACCEPT_QUEUE;

type Outcome = { status: 101 } | { status: number; retryAfter?: string } | { error: string };

/**
 * One WebSocket upgrade, settled with what the server answered. An admitted agent stays connected
 * without a word, so it keeps waiting for its first answer (closed at the end).
 */
function upgrade(opampUrl: string, held: WsTestAgent[]): Promise<Outcome> {
  return WsTestAgent.connect(opampUrl).then(
    (agent) => {
      held.push(agent);
      return { status: 101 };
    },
    (error: { status?: number; headers?: Record<string, string>; message: string }) =>
      error.status === undefined
        ? { error: error.message }
        : { status: error.status, retryAfter: error.headers?.['retry-after'] },
  );
}

describe('fault: new agents pile up in the accept queue of an instance that does not run', () => {
  let instance: FaultInstance | undefined;
  const held: WsTestAgent[] = [];

  afterAll(async () => {
    held.forEach((agent) => agent.ws.terminate());
    if (instance) {
      process.kill(instance.pid, 'SIGCONT');
      await instance.kill();
      instance.removeDataDir();
    }
  });

  it('admits what it has room for, answers the rest of the backlog with 503 + Retry-After at once, keeps serving the connected agent, and admits again once the queue is drained', async () => {
    instance = await startInstance({
      DATABASE_URL: await createTestDatabase(),
      OPAMP_MAX_ACCEPT_QUEUE: String(MAX_ACCEPT_QUEUE),
      LOG_LEVEL: 'warn',
    });
    const port = Number(new URL(instance.opampUrl).port);
    const connected = await WsTestAgent.connect(instance.opampUrl);
    await connected.exchange({ agent_description: description('held', { env: 'backlog' }) });

    // Stopped, the process accepts nothing: the kernel completes the handshakes and queues them.
    process.kill(instance.pid, 'SIGSTOP');
    const outcomes = Array.from({ length: WAITING }, () => upgrade(instance!.opampUrl, held));
    const queued = await poll('the connections in the accept queue', () => {
      const length = acceptQueueLength(port) ?? 0;
      return Promise.resolve(length >= WAITING && length);
    });
    process.kill(instance.pid, 'SIGCONT');
    const settled = await Promise.all(outcomes);

    const refused = settled.filter(
      (o): o is { status: number; retryAfter?: string } => 'status' in o && o.status === 503,
    );
    const admitted = settled.filter((o) => 'status' in o && o.status === 101).length;
    expect(settled.filter((o) => 'error' in o)).toEqual([]);
    // Room for 32 waiting agents (the one held answered long ago), then the surplus is refused: the
    // backlog is the kernel's queue at its last reading plus the connections accepted and not read
    // yet. Once fewer than MAX_ACCEPT_QUEUE are left, the last ones are admitted. Nothing times out.
    expect(admitted).toBeGreaterThanOrEqual(BACKLOG_ROOM);
    expect(admitted).toBeLessThanOrEqual(BACKLOG_ROOM + MAX_ACCEPT_QUEUE);
    expect(refused.length + admitted).toBe(WAITING);
    for (const refusal of refused) {
      expect(Number(refusal.retryAfter)).toBeGreaterThanOrEqual(5);
    }
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    expect(metrics).toContain(`opamp_refused_connections_total{reason="backlog"} ${refused.length}`);

    // The agent held all along is answered as before.
    const reply = await connected.exchange();
    expect(reply.error_response).toBeUndefined();
    // The queue is empty again: the next agent is admitted (its accept reads the queue anew).
    held.splice(0).forEach((agent) => agent.ws.close());
    await poll('an agent admitted after the backlog', async () => {
      const outcome = await upgrade(instance!.opampUrl, held);
      return 'status' in outcome && outcome.status === 101;
    });
    connected.ws.close();

    printFigures('accept backlog', [
      ['connections queued while stopped', queued],
      ['refused with 503 (backlog)', refused.length],
      ['admitted', admitted],
    ]);
  });
});
