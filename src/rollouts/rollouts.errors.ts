import { DomainError } from '../common/domain-error.js';

export class RolloutNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'RolloutNotFound', `Rollout ${id} not found`);
  }
}

export class RolloutAlreadyActive extends DomainError {
  /** `subject` names what is rolled out, e.g. `Configuration "prod"` or `Package assignment 4`. */
  constructor(subject: string, activeId: string) {
    super(
      'conflict',
      'RolloutAlreadyActive',
      `${subject} already has an active rollout (${activeId}); cancel or finish it first`,
    );
  }
}

export class RolloutAssignmentNotHeld extends DomainError {
  constructor(id: number) {
    super(
      'conflict',
      'RolloutAssignmentNotHeld',
      `Package assignment ${id} is already offered to every agent it names: create the assignment with ` +
        `"hold": true to roll it out in stages`,
    );
  }
}

export class RolloutNothingToRollOut extends DomainError {
  constructor(configuration: string, version: number) {
    super(
      'conflict',
      'RolloutNothingToRollOut',
      `Version ${version} of "${configuration}" is already what its agents are given; save a new version first`,
    );
  }
}

export class RolloutInvalid extends DomainError {
  constructor(message: string) {
    super('invalid', 'RolloutInvalid', message);
  }
}

export class RolloutStateConflict extends DomainError {
  constructor(id: string, action: string, status: string) {
    super('conflict', 'RolloutStateConflict', `Rollout ${id} is ${status}: it cannot be ${action}`);
  }
}
