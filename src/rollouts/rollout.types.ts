import type { RolloutGates, RolloutPlan } from '../configurations/rollout-policy.js';
import type { GateName, GateResult } from './rollout-gates.js';

export const ROLLOUT_STATUSES = ['running', 'paused', 'completed', 'cancelled', 'rolled_back'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];
/** offer: send the stage; wait: for its agents' answers; bake: watch them; next: go on (an operator resumed past a gate). */
export type RolloutPhase = 'offer' | 'wait' | 'bake' | 'next';
export const ROLLOUT_AGENT_STATES = [
  'waiting',
  'skipped',
  'offered',
  'applied',
  'failed',
  'timeout',
  'rolled_back',
] as const;
export type RolloutAgentState = (typeof ROLLOUT_AGENT_STATES)[number];

/** Gate results of one evaluation, kept per stage. */
export interface StageGateResults {
  stage: number;
  at: string;
  results: GateResult[];
}

/** The package version a package rollout takes to its agents, through a held package assignment. */
export interface PackageSubject {
  /** Null once the assignment was deleted (the rollout is then cancelled). */
  assignmentId: number | null;
  /** Null once the package was deleted. */
  packageId: number | null;
  name: string;
  version: string;
}

/** A rollout of a configuration version. */
export interface ConfigurationSubject {
  configurationId: string;
  configurationName: string;
  fromVersion: number;
  toVersion: number;
  toConfigHash: string;
  package: null;
}

/** A rollout of a package version: no configuration fields. */
export interface PackageRolloutSubject {
  configurationId: null;
  configurationName: null;
  fromVersion: null;
  toVersion: null;
  toConfigHash: null;
  package: PackageSubject;
}

/** A rollout as stored; `package` tells the two subjects apart. */
export type Rollout = RolloutState & (ConfigurationSubject | PackageRolloutSubject);
export type ConfigurationRollout = RolloutState & ConfigurationSubject;
export type PackageRollout = RolloutState & PackageRolloutSubject;

/** What every rollout has, whatever its subject. */
export interface RolloutState {
  id: string;
  status: RolloutStatus;
  plan: RolloutPlan;
  gates: RolloutGates;
  bakeSeconds: number;
  applyTimeoutSeconds: number;
  autoRollback: boolean;
  stageCount: number;
  currentStage: number;
  phase: RolloutPhase;
  phaseStartedAt: Date;
  gateResults: StageGateResults[];
  trippedGate: GateName | null;
  trippedAgents: string[] | null;
  reason: string | null;
  leaseOwner: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** Agents of one stage per state, plus those that turned unhealthy or went away after applying. */
export interface StageCounts {
  stage: number;
  targeted: number;
  states: Record<RolloutAgentState, number>;
  unhealthy: number;
  disconnected: number;
}

export interface RolloutAgentView {
  instanceUid: string;
  agentName: string | null;
  stage: number;
  position: number;
  state: RolloutAgentState;
  previousVersion: number | null;
  /** Package rollouts: the version the agent reported before, when it reported one. */
  previousPackageVersion: string | null;
  offers: number;
  offeredAt: Date | null;
  finishedAt: Date | null;
  healthy: boolean | null;
  online: boolean;
}
