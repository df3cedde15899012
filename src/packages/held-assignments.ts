/** Which agents a held assignment reaches now, and the build rolled-back agents get instead. */
export interface HeldReach {
  /** Agents a rollout's stages have offered the assignment's package to. */
  agents: Set<string>;
  /** Agents a rollout rolled back, with the package id of the version they had before. */
  reverted: Map<string, number>;
}

/**
 * Answers for held assignments (those a rollout takes to their agents stage by stage). The
 * rollouts feature registers one; without it a held assignment reaches nobody.
 */
export interface HeldAssignmentsSource {
  reachOf(assignmentIds: number[]): Promise<Map<number, HeldReach>>;
}
