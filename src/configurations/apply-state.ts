import type { ApplyStatus } from './apply-record.entity.js';

/** A named move of an apply-history row: the statuses it may leave, and the one it enters. */
export interface ApplyTransition {
  readonly from: readonly ApplyStatus[];
  readonly to: ApplyStatus;
}

/**
 * Offers still waiting for the agent's verdict. An agent has at most one open row per
 * configuration version: the partial unique index of migration 1763803000000 has this predicate.
 */
export const OPEN_STATUSES = ['pending', 'applying'] as const satisfies readonly ApplyStatus[];

/** Where every new offer starts. */
export const OFFERED = 'pending' satisfies ApplyStatus;

/**
 * The apply state machine, in one place: every UPDATE of configuration_apply_history.status takes
 * its WHERE and SET from one of these. A new offer enters `pending` (see OPEN_STATUSES); rows only
 * move forward, so a late or repeated report changes nothing.
 */
export const APPLY_TRANSITIONS = {
  /** RemoteConfigStatus APPLYING: only an offer the agent has not started yet. */
  reportApplying: { from: ['pending'], to: 'applying' },
  /** RemoteConfigStatus APPLIED: also after a timeout (a slow agent still got there). */
  reportApplied: { from: ['pending', 'applying', 'timeout'], to: 'applied' },
  /** RemoteConfigStatus FAILED, likewise. */
  reportFailed: { from: ['pending', 'applying', 'timeout'], to: 'failed' },
  /** The agent already runs the offered hash (it said so before the offer was recorded). */
  confirmApplied: { from: OPEN_STATUSES, to: 'applied' },
  /** No verdict within APPLY_TIMEOUT. */
  timeOut: { from: OPEN_STATUSES, to: 'timeout' },
  /** The newest offer failed and the agent now runs another hash: it went back to its previous config. */
  rollBack: { from: ['failed'], to: 'rolled_back' },
  /** A rollout's gate tripped and offered the agent its previous version again, whatever this one's state. */
  revertedByRollout: { from: ['pending', 'applying', 'applied', 'failed', 'timeout'], to: 'rolled_back' },
} as const satisfies Record<string, ApplyTransition>;

/** What an agent's report moves its row to, per reported state. */
export const REPORT_TRANSITIONS = {
  applying: APPLY_TRANSITIONS.reportApplying,
  applied: APPLY_TRANSITIONS.reportApplied,
  failed: APPLY_TRANSITIONS.reportFailed,
} as const satisfies Record<string, ApplyTransition>;

export function canMove(transition: ApplyTransition, from: ApplyStatus): boolean {
  return transition.from.includes(from);
}

/** Rows that enter an open status have no finish time; every other move finishes them. */
export function finishes(to: ApplyStatus): boolean {
  return !(OPEN_STATUSES as readonly ApplyStatus[]).includes(to);
}

/** A SQL list of status literals. Only ever built from the constants above, never from input. */
export function sqlStatuses(statuses: readonly ApplyStatus[]): string {
  return statuses.map((status) => `'${status}'`).join(', ');
}

/**
 * SQL condition for a batch of reports: row `row` may move to the status in column `next` (one of
 * REPORT_TRANSITIONS' keys) only from that transition's statuses.
 */
export function reportCondition(row: string, next: string): string {
  return Object.values(REPORT_TRANSITIONS)
    .map((t) => `(${next} = '${t.to}' AND ${row}.status IN (${sqlStatuses(t.from)}))`)
    .join(' OR ');
}
