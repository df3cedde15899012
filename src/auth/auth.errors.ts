import { DomainError } from '../common/domain-error.js';

/** One message for a wrong password and an unknown user, so usernames cannot be probed. */
export class InvalidCredentials extends DomainError {
  constructor() {
    super('unauthorized', 'InvalidCredentials', 'Invalid username or password');
  }
}

export class TooManyLoginAttempts extends DomainError {
  constructor(retryAfterSeconds: number) {
    super('rate_limited', 'TooManyLoginAttempts', 'Too many failed login attempts; try again later', retryAfterSeconds);
  }
}

export class UserNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'UserNotFound', `User ${id} not found`);
  }
}

export class UserAlreadyExists extends DomainError {
  constructor(username: string) {
    super('conflict', 'UserAlreadyExists', `User "${username}" already exists`);
  }
}

export class LastAdminProtected extends DomainError {
  constructor() {
    super('conflict', 'LastAdminProtected', 'The last enabled admin cannot be demoted or disabled');
  }
}

export class AgentKeyNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'AgentKeyNotFound', `Agent key ${id} not found`);
  }
}
