import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/app-config.js';
import { AgentAdmission } from './agent-admission.js';
import { OpampMetrics } from './opamp-metrics.js';
import { SessionRegistry } from './session-registry.js';

describe('AgentAdmission', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  const admission = (env: Record<string, string>) =>
    new AgentAdmission(loadConfig(env), new OpampMetrics(new Registry(), new SessionRegistry()));

  it('refuses while the agent waiting longest for its first answer has waited too long, and admits once it is answered', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const sut = admission({ OPAMP_MAX_FIRST_ANSWER_WAIT_MS: '5000' });
    const [early, late] = [{}, {}];
    sut.awaitingFirstAnswer(early);
    jest.setSystemTime(1_004_000);
    sut.awaitingFirstAnswer(late);
    expect(sut.admit()).toBeUndefined();
    expect(sut.pendingFirstMessages).toBe(2);
    jest.setSystemTime(1_005_001);
    expect(sut.admit()?.reason).toBe('pending');
    // The one answered was the oldest: the next oldest has waited 1 s.
    sut.firstMessageAnswered(early);
    expect(sut.admit()).toBeUndefined();
    sut.firstMessageAnswered(late);
    expect(sut.pendingFirstMessages).toBe(0);
  });

  it('never refuses for the wait when the limit is 0', () => {
    jest.useFakeTimers({ now: 0 });
    const sut = admission({ OPAMP_MAX_FIRST_ANSWER_WAIT_MS: '0' });
    sut.awaitingFirstAnswer({});
    jest.setSystemTime(3_600_000);
    expect(sut.admit()).toBeUndefined();
  });

  it('counts accepted connections not read yet as backlog, until their request is read or they close', () => {
    const sut = admission({ OPAMP_MAX_ACCEPT_QUEUE: '2' }); // room for 4 awaiting a first answer
    for (let i = 0; i < 4; i++) {
      sut.awaitingFirstAnswer({});
    }
    const sockets = [new EventEmitter(), new EventEmitter(), new EventEmitter()];
    sockets.forEach((socket) => sut.connectionAccepted(socket));
    expect(sut.backlog).toBe(3);
    expect(sut.admit()?.reason).toBe('backlog');
    sut.requestRead(sockets[0]);
    sut.requestRead(sockets[0]); // a second request on a kept-alive socket changes nothing
    expect(sut.backlog).toBe(2);
    expect(sut.admit()?.reason).toBe('backlog');
    sockets[1].emit('close');
    expect(sut.backlog).toBe(1);
    expect(sut.admit()).toBeUndefined();
    // Read sockets keep no listener of admission's.
    expect(sockets[0].listenerCount('close')).toBe(0);
    expect(sockets[1].listenerCount('close')).toBe(0);
    expect(sockets[2].listenerCount('close')).toBe(1);
  });
});
