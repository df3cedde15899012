import type { Role } from './api.js';

const ORDER: Role[] = ['viewer', 'operator', 'admin'];

export function roleAtLeast(role: Role, required: Role): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(required);
}
