import { DomainError } from '../common/domain-error.js';

export class ConfigurationVersionNotFound extends DomainError {
  constructor(name: string, version: number) {
    super('not_found', 'ConfigurationVersionNotFound', `Configuration "${name}" has no version ${version}`);
  }
}
