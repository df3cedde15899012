import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../common/dto/error-response.dto.js';
import { MinRole, Public, type Role } from './roles.js';

export interface EndpointOptions {
  summary: string;
  /** Lowest role allowed; omit for the default (viewer for reads, admin for writes). */
  role?: Role;
  public?: boolean;
  /** Extra error statuses this endpoint documents, e.g. { 404: 'Package not found' }. */
  errors?: Record<number, string>;
}

/** Swagger summary + auth + the error responses (all ErrorResponse bodies) every protected endpoint can return, in one place. */
export function ApiEndpoint(options: EndpointOptions): MethodDecorator {
  const decorators: Array<MethodDecorator | ClassDecorator> = [ApiOperation({ summary: options.summary })];
  if (options.public) {
    decorators.push(Public());
  } else {
    decorators.push(
      ApiBearerAuth(),
      ApiResponse({ status: 401, description: 'Missing, invalid or expired token', type: ErrorResponse }),
      ApiResponse({ status: 403, description: `Needs the ${options.role ?? 'default'} role`, type: ErrorResponse }),
    );
    if (options.role) {
      decorators.push(MinRole(options.role));
    }
  }
  for (const [status, description] of Object.entries(options.errors ?? {})) {
    const code = Number(status);
    decorators.push(ApiResponse({ status: code, description, ...(code >= 400 ? { type: ErrorResponse } : {}) }));
  }
  return applyDecorators(...decorators);
}
