import { SetMetadata } from '@nestjs/common';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` is at least `required` in the viewer < operator < admin ladder. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export const MIN_ROLE_KEY = 'auth:minRole';
export const PUBLIC_KEY = 'auth:public';

/**
 * The lowest role allowed to call a handler. Without it, reads (GET/HEAD) need viewer and every
 * write needs admin, so a forgotten decorator fails closed.
 */
export const MinRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(MIN_ROLE_KEY, role);

/** Opens a handler to unauthenticated callers (login, health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** What the guard attaches to the request once the token checks out. */
export interface AuthenticatedUser {
  id: string;
  username: string;
  role: Role;
}
