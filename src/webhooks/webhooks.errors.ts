import { DomainError } from '../common/domain-error.js';

export class WebhookNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'WebhookNotFound', `Webhook ${id} not found`);
  }
}

export class InvalidWebhook extends DomainError {
  constructor(message: string) {
    super('invalid', 'InvalidWebhook', message);
  }
}
