import { DomainError } from '../common/domain-error.js';
import type { CollectorValidation } from './validation/collector-config.validator.js';

export class ConfigurationNotFound extends DomainError {
  constructor(name: string) {
    super('not_found', 'ConfigurationNotFound', `Configuration "${name}" not found`);
  }
}

export class ConfigurationAlreadyExists extends DomainError {
  constructor(name: string) {
    super('conflict', 'ConfigurationAlreadyExists', `Configuration "${name}" already exists`);
  }
}

export class ConfigurationInUse extends DomainError {
  constructor(name: string, agents: number) {
    super(
      'conflict',
      'ConfigurationInUse',
      `Configuration "${name}" is assigned to ${agents} agent(s); delete with ?force=true to unassign them`,
    );
  }
}

export class ConfigurationVersionConflict extends DomainError {
  constructor(name: string, expected: number, current: number) {
    super(
      'conflict',
      'ConfigurationVersionConflict',
      `Configuration "${name}" is at version ${current}, not ${expected}: reload it and apply your change again`,
    );
  }
}

export class ConfigurationRenameRefused extends DomainError {
  constructor(pathName: string, bodyName: string) {
    super(
      'invalid',
      'ConfigurationRenameRefused',
      `Body name "${bodyName}" differs from "${pathName}": configurations cannot be renamed; create a new one`,
    );
  }
}

export class InvalidConfigContent extends DomainError {
  constructor(message: string) {
    super('invalid', 'InvalidConfigContent', message);
  }
}

/** The Collector would refuse this config; the body lists every finding with its path, line and column. */
export class InvalidCollectorConfig extends DomainError {
  override readonly details: Record<string, unknown>;

  constructor(validation: CollectorValidation) {
    const first = validation.errors[0];
    const more = validation.errors.length > 1 ? ` (and ${validation.errors.length - 1} more)` : '';
    super(
      'invalid',
      'InvalidCollectorConfig',
      `raw_config would be refused by the Collector: ${first.path} at line ${first.line}, column ${first.column}: ` +
        `${first.message}${more}. Send "validate": false to save it anyway`,
    );
    this.details = { errors: validation.errors, warnings: validation.warnings };
  }
}

export class ConfigTooLarge extends DomainError {
  constructor(bytes: number, limit: number) {
    super('too_large', 'ConfigTooLarge', `raw_config is ${bytes} bytes; the limit is ${limit} (CONFIG_MAX_BYTES)`);
  }
}

export class PushNotFound extends DomainError {
  constructor(pushId: string) {
    super('not_found', 'PushNotFound', `Push ${pushId} not found for this configuration`);
  }
}

export class DefaultRolloutPolicyNotFound extends DomainError {
  constructor(name: string) {
    super('not_found', 'DefaultRolloutPolicyNotFound', `Default rollout policy "${name}" not found`);
  }
}

export class DefaultRolloutPolicyAlreadyExists extends DomainError {
  constructor(name: string) {
    super('conflict', 'DefaultRolloutPolicyAlreadyExists', `Default rollout policy "${name}" already exists`);
  }
}
