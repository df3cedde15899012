import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import type { AppConfig } from '../config/app-config.js';
import type { AgentAdmission } from './agent-admission.js';
import { frameMessage, unframeMessage } from './framing.js';
import type { HandledMessage, OpampMessageService } from './opamp-message.service.js';
import { OpampMetrics } from './opamp-metrics.js';
import { OpampWsGateway } from './opamp-ws.gateway.js';
import { OpampCodec } from './proto/opamp-codec.js';
import type { AgentToServer, ServerToAgent } from './proto/opamp.types.js';
import { SessionRegistry } from './session-registry.js';

/** The parts of a ws WebSocket the gateway uses; frames it is sent are kept. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CLOSED = 3;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Buffer[] = [];

  send(data: Uint8Array, _options: unknown, done?: (error?: Error) => void): void {
    this.sent.push(Buffer.from(data));
    done?.();
  }
  closeCode?: number;

  close(code?: number): void {
    this.closeCode = code;
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

const codec = new OpampCodec();
const uid = new Uint8Array(16).fill(7);

function frame(sequence: number): Buffer {
  return frameMessage(codec.encodeAgentToServer({ instance_uid: uid, sequence_num: sequence }));
}

function replies(socket: FakeSocket): ServerToAgent[] {
  return socket.sent.map((bytes) => codec.decodeServerToAgent(unframeMessage(bytes)));
}

/** Waits (at most 2 s) for what the gateway does after a handler's promise settles. */
async function settled(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(condition()).toBe(true);
}

describe('OpampWsGateway', () => {
  const config = {
    opampMaxSendBufferBytes: 1 << 20,
    opampSendTimeoutMs: 10_000,
    opampHeartbeatSeconds: 30,
  } as AppConfig;
  let admission: AgentAdmission;
  let metrics: OpampMetrics;
  let gateway: OpampWsGateway;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    const waiting = new Set<object>();
    admission = {
      webSocketAgents: 0,
      httpInFlight: 0,
      get pendingFirstMessages() {
        return waiting.size;
      },
      awaitingFirstAnswer: (connection: object) => waiting.add(connection),
      firstMessageAnswered: (connection: object) => waiting.delete(connection),
    } as unknown as AgentAdmission;
    metrics = new OpampMetrics(new Registry(), new SessionRegistry());
  });

  function connect(
    handle: (message: AgentToServer) => HandledMessage | Promise<HandledMessage>,
    useCodec: OpampCodec = codec,
  ): FakeSocket {
    const messages = { handle, disconnect: () => Promise.resolve() } as unknown as OpampMessageService;
    gateway = new OpampWsGateway(config, useCodec, messages, admission, metrics);
    const socket = new FakeSocket();
    gateway.handleConnection(
      socket as unknown as WebSocket,
      {
        headers: { host: 'localhost' },
        url: '/v1/opamp',
      } as never,
    );
    return socket;
  }

  it('answers the frames of one connection in order, whether their handling waits or not', async () => {
    const socket = connect((message) => {
      const reply: HandledMessage = { reply: { instance_uid: uid, flags: Number(message.sequence_num ?? 0) } };
      // The first message waits (a first message goes to the database); the next ones do not.
      return Number(message.sequence_num ?? 0) === 0
        ? new Promise((resolve) => setTimeout(() => resolve(reply), 20))
        : reply;
    });
    for (const sequence of [0, 1, 2]) {
      socket.emit('message', frame(sequence), true);
    }
    expect(admission.pendingFirstMessages).toBe(1);
    expect(socket.sent).toHaveLength(0);
    await settled(() => socket.sent.length === 3);
    expect(replies(socket).map((reply) => Number(reply.flags ?? 0))).toEqual([0, 1, 2]);
    expect(admission.pendingFirstMessages).toBe(0);
  });

  it('answers at once, without waiting for a turn of the event loop, when nothing has to wait', () => {
    const socket = connect(() => ({ reply: { instance_uid: uid } }));
    socket.emit('message', frame(0), true);
    expect(socket.sent).toHaveLength(1);
    expect(admission.pendingFirstMessages).toBe(0);
  });

  it('answers with an error when a reply cannot be encoded, and counts the first message as answered', async () => {
    const failing = Object.create(codec) as OpampCodec;
    failing.encodeServerToAgentFrame = (reply) => {
      if (!reply.error_response) {
        throw new Error('cannot encode');
      }
      return codec.encodeServerToAgentFrame(reply);
    };
    const socket = connect(() => ({ reply: { instance_uid: uid } }), failing);
    socket.emit('message', frame(0), true);
    expect(replies(socket)).toEqual([expect.objectContaining({ error_response: expect.anything() })]);
    expect(admission.pendingFirstMessages).toBe(0);

    const later = connect(() => Promise.resolve({ reply: { instance_uid: uid } }), failing);
    later.emit('message', frame(0), true);
    await settled(() => later.sent.length === 1);
    expect(replies(later)[0].error_response).toBeDefined();
    expect(admission.pendingFirstMessages).toBe(0);
  });

  it('answers a handler that throws at once or rejects with an error reply, and goes on with the next frame', async () => {
    let calls = 0;
    const socket = connect(() => {
      calls += 1;
      if (calls === 1) {
        throw new Error('handler failed');
      }
      if (calls === 2) {
        return Promise.reject(new Error('handler failed later'));
      }
      return { reply: { instance_uid: uid, flags: 9 } };
    });
    for (const sequence of [0, 1, 2]) {
      socket.emit('message', frame(sequence), true);
    }
    await settled(() => socket.sent.length === 3);
    const [first, second, third] = replies(socket);
    expect(first.error_response).toBeDefined();
    expect(second.error_response).toBeDefined();
    expect(Number(third.flags)).toBe(9);
    expect(admission.pendingFirstMessages).toBe(0);
  });

  it('counts an admitted agent as waiting for its first answer from its upgrade, until answered or gone', async () => {
    const silent = connect(() => ({ reply: { instance_uid: uid } }));
    expect(admission.pendingFirstMessages).toBe(1);
    // Gone without a word: it waits no more.
    gateway.handleDisconnect(silent as unknown as WebSocket);
    expect(admission.pendingFirstMessages).toBe(0);
    const answered = connect(() => Promise.resolve({ reply: { instance_uid: uid } }));
    expect(admission.pendingFirstMessages).toBe(1);
    answered.emit('message', frame(0), true);
    await settled(() => answered.sent.length === 1);
    expect(admission.pendingFirstMessages).toBe(0);
  });

  it('closes an admitted agent that has said nothing 30 s (and a heartbeat interval) after its upgrade, and no other', () => {
    jest.useFakeTimers({ now: 0 });
    const gateways: OpampWsGateway[] = [];
    try {
      const silent = connect(() => ({ reply: { instance_uid: uid } }));
      gateways.push(gateway);
      const talking = connect(() => ({ reply: { instance_uid: uid } }));
      gateways.push(gateway);
      talking.emit('message', frame(0), true);
      gateways.forEach((each) => each.start());
      jest.advanceTimersByTime(29_999);
      expect(silent.closeCode).toBeUndefined();
      jest.advanceTimersByTime(1); // the keepalive at 30 s
      expect(silent.closeCode).toBe(1008);
      // The one that spoke is pinged as before (and dropped at the next keepalive if it does not answer).
      expect(talking.readyState).toBe(1);
      expect(talking.closeCode).toBeUndefined();
    } finally {
      gateways.forEach((each) => void each.drain());
      jest.useRealTimers();
    }
  });
});
