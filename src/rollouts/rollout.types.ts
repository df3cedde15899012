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

/** A rollout as stored. */
export interface Rollout {
  id: string;
  configurationId: string;
  configurationName: string;
  fromVersion: number;
  toVersion: number;
  toConfigHash: string;
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
  offers: number;
  offeredAt: Date | null;
  finishedAt: Date | null;
  healthy: boolean | null;
  online: boolean;
}
