/**
 * Every multi-row write on agents (the write queue's batches, the offline sweeps, the assignment
 * recompute) takes its row locks in instance_uid order through this subquery, so instances
 * writing overlapping sets of rows at once wait for each other instead of deadlocking. The
 * UPDATE then touches only rows this already locked. `uids` is a query of instance uids.
 */
export const LOCK_IN_ORDER = (uids: string): string =>
  `SELECT instance_uid FROM agents WHERE instance_uid IN (${uids}) ORDER BY instance_uid FOR NO KEY UPDATE`;
