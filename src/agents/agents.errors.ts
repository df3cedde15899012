import { DomainError } from '../common/domain-error.js';

export class AgentNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'AgentNotFound', `Agent ${id} not found`);
  }
}

export class AgentStillOnline extends DomainError {
  constructor(id: string) {
    super('conflict', 'AgentStillOnline', `Agent ${id} is online; only offline agents can be deleted`);
  }
}

export class AgentCannotRestart extends DomainError {
  constructor(id: string, why: string) {
    super('conflict', 'AgentCannotRestart', `Agent ${id} cannot be restarted: ${why}`);
  }
}

export class InvalidSelector extends DomainError {
  constructor(detail: string) {
    super('invalid', 'InvalidSelector', `selector: ${detail}`);
  }
}

export class AgentCannotReceive extends DomainError {
  constructor(id: string, why: string, kind: 'conflict' | 'unprocessable') {
    super(kind, 'AgentCannotReceive', `Agent ${id} cannot receive this custom message: ${why}`);
  }
}

export class CustomMessageTooLarge extends DomainError {
  constructor(maxBytes: number) {
    super('too_large', 'CustomMessageTooLarge', `data is larger than CUSTOM_MESSAGE_MAX_BYTES (${maxBytes} bytes)`);
  }
}

/** A path's instance uid that is not canonical UUID text. */
export class InvalidInstanceUid extends DomainError {
  constructor(value: string) {
    super('invalid', 'InvalidInstanceUid', `"${value}" is not an instance uid (canonical UUID text)`);
  }
}
