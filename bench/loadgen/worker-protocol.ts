import type { Counters, Samples } from './stats.js';

/** The slice of a run one worker process simulates. */
export interface WorkerConfig {
  url: string;
  transport: 'ws' | 'http';
  key?: string;
  firstIndex: number;
  count: number;
  rampPerSecond: number;
  heartbeatSeconds: number;
  sourceIps: string[];
  applyDelayMs: [number, number];
  backoffBaseMs: number;
  backoffMaxMs: number;
  hardLimitSeconds: number;
}

export type ParentMessage = { type: 'start'; config: WorkerConfig } | { type: 'stop' };

export type WorkerMessage =
  { type: 'counters'; counters: Counters } | { type: 'final'; counters: Counters; samples: Samples };
