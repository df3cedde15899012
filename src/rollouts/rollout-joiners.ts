import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentsAssignedHook, type PinRequest } from '../configurations/agents-assigned-hooks.js';
import type { AssignmentChange } from '../configurations/assignment.store.js';
import { joinerStage } from './joiner-stage.js';
import { RolloutJoinersRepository, type JoinerRow, type PlacedJoiner } from './rollout-joiners.repository.js';

/**
 * Agents that join a configuration while its rollout is active (first connection, or labels that
 * now match its selector) get the version their stage says. Each joiner is placed in a stage (see
 * joinerStage) and added to the rollout's agents, so gates and counts see it. A stage already
 * offered (before the current one, or the current one once offered): it is offered the new
 * version now, pinned in the same transaction that assigned it, so its first offer is the new
 * version. A later stage: it keeps the released version and the engine offers it with its stage.
 * An offline joiner of an offered stage is skipped, like agents offline when their stage starts.
 */
@Injectable()
@AgentsAssignedHook()
export class RolloutJoiners implements AgentsAssignedHook {
  async agentsAssigned(manager: EntityManager, changes: AssignmentChange[]): Promise<PinRequest[]> {
    const repository = new RolloutJoinersRepository(manager);
    const joiners = await repository.findJoiners(changes);
    const byRollout = new Map<string, JoinerRow[]>();
    for (const joiner of joiners) {
      byRollout.set(joiner.rollout.id, [...(byRollout.get(joiner.rollout.id) ?? []), joiner]);
    }
    const pins: PinRequest[] = [];
    for (const [rolloutId, rows] of byRollout) {
      const r = rows[0].rollout;
      const outline = await repository.outline(rolloutId, r.plan, r.stageCount);
      const placed: PlacedJoiner[] = rows.map((row) => {
        const stage = joinerStage(r.plan, r.stageCount, row, outline);
        const offeredStage = stage < r.currentStage || (stage === r.currentStage && r.phase !== 'offer');
        const state = !offeredStage ? 'waiting' : row.online ? 'offered' : 'skipped';
        return { instanceUid: row.instanceUid, stage, previousVersion: row.version, state };
      });
      await repository.add(rolloutId, placed);
      const offered = placed.filter((p) => p.state === 'offered').map((p) => p.instanceUid);
      if (offered.length > 0) {
        pins.push({
          configurationId: r.configurationId,
          version: r.toVersion,
          configHash: r.toConfigHash,
          instanceUids: offered,
        });
      }
    }
    return pins;
  }
}
