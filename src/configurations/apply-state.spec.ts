import { APPLY_STATUSES, type ApplyStatus } from './apply-record.entity.js';
import {
  APPLY_TRANSITIONS,
  canMove,
  finishes,
  OPEN_STATUSES,
  REPORT_TRANSITIONS,
  reportCondition,
  sqlStatuses,
} from './apply-state.js';

/** Every status a row can leave through what agents report or time does (not an operator's rollout rollback). */
const leavable = new Set<ApplyStatus>(
  Object.entries(APPLY_TRANSITIONS)
    .filter(([name]) => name !== 'revertedByRollout')
    .flatMap(([, t]) => [...t.from]),
);

describe('apply state machine', () => {
  it('takes APPLYING only for an offer not started yet', () => {
    const sut = APPLY_TRANSITIONS.reportApplying;
    expect(APPLY_STATUSES.filter((status) => canMove(sut, status))).toEqual(['pending']);
  });

  it('takes APPLIED and FAILED from an open or timed-out offer, never from a finished one', () => {
    for (const sut of [APPLY_TRANSITIONS.reportApplied, APPLY_TRANSITIONS.reportFailed]) {
      expect(APPLY_STATUSES.filter((status) => canMove(sut, status))).toEqual(['pending', 'applying', 'timeout']);
    }
  });

  it('times out and confirms only open offers', () => {
    expect(APPLY_TRANSITIONS.timeOut.from).toEqual(OPEN_STATUSES);
    expect(APPLY_TRANSITIONS.confirmApplied.from).toEqual(OPEN_STATUSES);
  });

  it('rolls back only a failed offer', () => {
    expect(APPLY_STATUSES.filter((status) => canMove(APPLY_TRANSITIONS.rollBack, status))).toEqual(['failed']);
  });

  it('has applied and rolled_back as terminal states: no report or timeout moves a row out of them', () => {
    expect(leavable.has('applied')).toBe(false);
    expect(leavable.has('rolled_back')).toBe(false);
  });

  it("lets only a rollout's rollback take a row out of applied, and never out of rolled_back", () => {
    expect(APPLY_STATUSES.filter((status) => canMove(APPLY_TRANSITIONS.revertedByRollout, status))).toEqual([
      'pending',
      'applying',
      'applied',
      'failed',
      'timeout',
    ]);
  });

  it('never moves a row to where it already is (a repeated report changes nothing)', () => {
    for (const [name, t] of Object.entries(APPLY_TRANSITIONS)) {
      expect({ name, selfLoop: (t.from as readonly ApplyStatus[]).includes(t.to) }).toEqual({ name, selfLoop: false });
    }
  });

  it('leaves only open rows unfinished', () => {
    expect(APPLY_STATUSES.filter((status) => !finishes(status))).toEqual(['pending', 'applying']);
  });

  it('builds the report condition from the table', () => {
    expect(Object.keys(REPORT_TRANSITIONS)).toEqual(['applying', 'applied', 'failed']);
    expect(sqlStatuses(OPEN_STATUSES)).toBe("'pending', 'applying'");
    expect(reportCondition('h', 'r.next')).toBe(
      "(r.next = 'applying' AND h.status IN ('pending')) OR " +
        "(r.next = 'applied' AND h.status IN ('pending', 'applying', 'timeout')) OR " +
        "(r.next = 'failed' AND h.status IN ('pending', 'applying', 'timeout'))",
    );
  });
});
