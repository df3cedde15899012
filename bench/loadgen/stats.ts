/** Counters one worker keeps; the parent sums them across workers. */
export interface Counters {
  started: number;
  connected: number;
  everConnected: number;
  peakConnected: number;
  sent: number;
  received: number;
  connectErrors: Record<string, number>;
  disconnects: number;
  upgrade503: number;
  reconnects: number;
  retryAfterHonoured: number;
  offers: number;
  applied: number;
  uidChanges: number;
  fullStateRequests: number;
  badFrames: number;
}

/** Latency samples (milliseconds) and epoch times, sent once, at the end. */
export interface Samples {
  handshakeMs: number[];
  firstReplyMs: number[];
  pollMs: number[];
  applyMs: number[];
  appliedAtEpochMs: number[];
}

export function emptyCounters(): Counters {
  return {
    started: 0,
    connected: 0,
    everConnected: 0,
    peakConnected: 0,
    sent: 0,
    received: 0,
    connectErrors: {},
    disconnects: 0,
    upgrade503: 0,
    reconnects: 0,
    retryAfterHonoured: 0,
    offers: 0,
    applied: 0,
    uidChanges: 0,
    fullStateRequests: 0,
    badFrames: 0,
  };
}

export function emptySamples(): Samples {
  return { handshakeMs: [], firstReplyMs: [], pollMs: [], applyMs: [], appliedAtEpochMs: [] };
}

export function addCounters(into: Counters, from: Counters): Counters {
  for (const key of Object.keys(from) as Array<keyof Counters>) {
    if (key === 'connectErrors') {
      for (const [kind, n] of Object.entries(from.connectErrors)) {
        into.connectErrors[kind] = (into.connectErrors[kind] ?? 0) + n;
      }
    } else {
      into[key] += from[key];
    }
  }
  return into;
}

export function countError(counters: Counters, kind: string): void {
  counters.connectErrors[kind] = (counters.connectErrors[kind] ?? 0) + 1;
}

/** Keeps at most `limit` samples by reservoir sampling so a long HTTP run cannot exhaust memory. */
export function pushSample(samples: number[], value: number, seen: { n: number }, limit = 100_000): void {
  seen.n++;
  if (samples.length < limit) {
    samples.push(value);
    return;
  }
  const slot = Math.floor(Math.random() * seen.n);
  if (slot < limit) {
    samples[slot] = value;
  }
}

export interface Distribution {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export function distribution(values: number[]): Distribution {
  if (values.length === 0) {
    return { count: 0, p50: null, p99: null, max: null };
  }
  const sorted = Float64Array.from(values).sort();
  const at = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: round(sorted[sorted.length - 1]) };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
