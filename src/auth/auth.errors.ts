import { DomainError } from '../common/domain-error.js';

/** One message for a wrong password and an unknown user, so usernames cannot be probed. */
export class InvalidCredentials extends DomainError {
  constructor() {
    super('unauthorized', 'InvalidCredentials', 'Invalid username or password');
  }
}

/** No token, or one that is invalid, expired or revoked: 401 from the global guard. */
export class NotAuthenticated extends DomainError {
  constructor(message: string) {
    super('unauthorized', 'NotAuthenticated', message);
  }
}

/** A valid token whose role is below the route's minimum: 403 from the global guard. */
export class InsufficientRole extends DomainError {
  constructor(required: string, actual: string) {
    super('forbidden', 'InsufficientRole', `This action needs the ${required} role; you are ${actual}`);
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
