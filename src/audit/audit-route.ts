/** What an API write is about, derived from its route. */
export interface AuditTarget {
  /** The first path segment after /api/v1: `configurations`, `users`, `agent-keys`... */
  resource: string;
  /** `create`, `update`, `delete`, or the route's verb (`restart`, `push`, `rollback`, `labels.update`...). */
  action: string;
  /** The route's first parameter (`:id`, `:name`), if any. */
  resourceId?: string;
}

const VERB: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/**
 * Maps a route pattern (`/api/v1/agents/:id/labels`) and method to resource and action:
 * POST on a collection creates, POST on a sub-path names the verb (`restart`), and PUT/PATCH/DELETE
 * on a sub-path qualify it (`labels.update`, `signature.update`).
 */
export function auditTarget(method: string, routePath: string, params: Record<string, string>): AuditTarget {
  const segments = routePath
    .replace(/^\/?api\/v1\/?/, '')
    .split('/')
    .filter(Boolean);
  const resource = segments[0] ?? 'api';
  const paramNames = segments.filter((s) => s.startsWith(':')).map((s) => s.slice(1));
  const words = segments.slice(1).filter((s) => !s.startsWith(':'));
  const verb = VERB[method.toUpperCase()] ?? method.toLowerCase();
  let action: string;
  if (words.length === 0) {
    action = verb;
  } else if (method.toUpperCase() === 'POST') {
    action = words.join('.');
  } else {
    action = [...words, verb].join('.');
  }
  const first = paramNames[0];
  return { resource, action, resourceId: first === undefined ? undefined : params[first] };
}
