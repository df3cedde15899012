import { DomainError } from '../common/domain-error.js';

export class ConnectionSettingsNotFound extends DomainError {
  constructor(name: string) {
    super('not_found', 'ConnectionSettingsNotFound', `Connection settings "${name}" not found`);
  }
}

export class ConnectionSettingsAlreadyExist extends DomainError {
  constructor(name: string) {
    super('conflict', 'ConnectionSettingsAlreadyExist', `Connection settings "${name}" already exist`);
  }
}

export class InvalidConnectionSettings extends DomainError {
  constructor(message: string) {
    super('invalid', 'InvalidConnectionSettings', message);
  }
}
