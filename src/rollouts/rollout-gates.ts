import type { RolloutGates } from '../configurations/rollout-policy.js';

export type GateName = 'failed' | 'unhealthy' | 'disconnected';

/** What the gates read (from stored state, never by asking agents): counts over the agents offered so far. */
export interface GateInputs {
  offered: number;
  failed: number;
  unhealthy: number;
  disconnected: number;
}

export interface GateResult {
  gate: GateName;
  value: number;
  /** The largest value that passes (a percentage threshold turned into agents). */
  threshold: number;
  passed: boolean;
}

/** Evaluates every gate; a percentage threshold, when set, replaces the count of the same gate. */
export function evaluateGates(gates: RolloutGates, inputs: GateInputs): GateResult[] {
  const allowed = (count: number, percent: number | null) =>
    percent === null ? count : Math.floor((inputs.offered * percent) / 100);
  const results: Array<[GateName, number, number]> = [
    ['failed', inputs.failed, allowed(gates.max_failed, gates.max_failed_percent)],
    ['unhealthy', inputs.unhealthy, allowed(gates.max_unhealthy, gates.max_unhealthy_percent)],
    ['disconnected', inputs.disconnected, gates.max_disconnected],
  ];
  return results.map(([gate, value, threshold]) => ({ gate, value, threshold, passed: value <= threshold }));
}
