import { jest } from '@jest/globals';
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
});
