import { DomainError } from '../common/domain-error.js';

export class RolloutNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'RolloutNotFound', `Rollout ${id} not found`);
  }
}

export class RolloutAlreadyActive extends DomainError {
  constructor(configuration: string, activeId: string) {
    super(
      'conflict',
      'RolloutAlreadyActive',
      `Configuration "${configuration}" already has an active rollout (${activeId}); cancel or finish it first`,
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
