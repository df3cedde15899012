import { Admission, type AdmissionLimits } from './admission.js';

const limits = (overrides: Partial<AdmissionLimits>): AdmissionLimits => ({
  maxConnections: 1000,
  handshakesPerSecond: 1000,
  maxLoopLagMs: 0,
  loopLagMs: () => 0,
  maxPendingFirstMessages: 0,
  maxFirstAnswerWaitMs: 0,
  maxAcceptQueue: 0,
  backlogRoom: 0,
  backlog: () => undefined,
  ...overrides,
});

describe('Admission', () => {
  let now: number;

  beforeEach(() => {
    now = 0;
  });

  it('refuses at the connection cap with a jittered Retry-After', () => {
    const low = new Admission(
      limits({ maxConnections: 10 }),
      () => now,
      () => 0,
    );
    const high = new Admission(
      limits({ maxConnections: 10 }),
      () => now,
      () => 0.99,
    );
    expect(low.admit(9)).toBeUndefined();
    expect(low.admit(10)).toEqual({ reason: 'connections', retryAfterSeconds: 30 });
    expect(high.admit(10)).toEqual({ reason: 'connections', retryAfterSeconds: 60 });
  });

  it('limits the handshake rate and refills over time', () => {
    const sut = new Admission(
      limits({ handshakesPerSecond: 3 }),
      () => now,
      () => 0,
    );
    expect([sut.admit(0), sut.admit(0), sut.admit(0)]).toEqual([undefined, undefined, undefined]);
    expect(sut.admit(0)).toEqual({ reason: 'rate', retryAfterSeconds: 5 });
    now += 400; // 1.2 tokens back
    expect(sut.admit(0)).toBeUndefined();
    expect(sut.admit(0)?.reason).toBe('rate');
  });

  it('refuses new handshakes while the event loop lags, and admits again once it catches up', () => {
    let lag = 0;
    const sut = new Admission(
      limits({ maxLoopLagMs: 2000, loopLagMs: () => lag }),
      () => now,
      () => 0,
    );
    expect(sut.admit(0)).toBeUndefined();
    lag = 2500;
    expect(sut.admit(0)).toEqual({ reason: 'busy', retryAfterSeconds: 10 });
    lag = 300;
    expect(sut.admit(0)).toBeUndefined();
    // 0 turns the check off.
    const off = new Admission(limits({ maxLoopLagMs: 0, loopLagMs: () => 60_000 }));
    expect(off.admit(0)).toBeUndefined();
  });

  it('refuses new handshakes while too many first messages wait for an answer', () => {
    const sut = new Admission(
      limits({ maxPendingFirstMessages: 3 }),
      () => now,
      () => 0,
    );
    expect(sut.admit(10, 2)).toBeUndefined();
    expect(sut.admit(10, 3)).toEqual({ reason: 'pending', retryAfterSeconds: 5 });
    // 0 turns the check off.
    expect(new Admission(limits({})).admit(10, 1_000_000)).toBeUndefined();
  });

  it('refuses new handshakes while a first message has waited too long, however few wait', () => {
    const sut = new Admission(
      limits({ maxFirstAnswerWaitMs: 5000 }),
      () => now,
      () => 0,
    );
    expect(sut.admit(10, 1, 5000)).toBeUndefined();
    expect(sut.admit(10, 1, 5001)).toEqual({ reason: 'pending', retryAfterSeconds: 5 });
    // 0 turns the check off.
    expect(new Admission(limits({})).admit(10, 1, 600_000)).toBeUndefined();
  });

  it('with a deep accept queue admits while there is room among the agents awaiting a first answer, and refuses the surplus', () => {
    let queued: number | undefined = 0;
    const sut = new Admission(
      limits({ maxAcceptQueue: 128, backlogRoom: 4, backlog: () => queued, handshakesPerSecond: 1 }),
      () => now,
      () => 0,
    );
    // A shallow queue: no limit on waiting agents from this rule.
    queued = 127;
    expect(sut.admit(0, 50)).toBeUndefined();
    // Deep: room for 4 waiting; the token bucket is empty too, but the backlog is what the refusal names.
    queued = 128;
    expect(sut.admit(0, 4)).toEqual({ reason: 'backlog', retryAfterSeconds: 10 });
    now += 1000;
    expect(sut.admit(0, 3)).toBeUndefined();
    // Unknown (not Linux) never refuses; 0 turns the check off.
    queued = undefined;
    now += 1000;
    expect(sut.admit(0, 50)).toBeUndefined();
    const off = new Admission(limits({ backlog: () => 10_000, backlogRoom: 0 }));
    expect(off.admit(0, 50)).toBeUndefined();
  });
});
