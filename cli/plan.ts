import { createTwoFilesPatch } from 'diff';
import { ApiError, call, type ApiClient, type Schemas } from './api.js';
import { PlanConflictError } from './errors.js';
import type { DesiredConfiguration } from './manifests.js';
import { readAll } from './session.js';

type Configuration = Schemas['ConfigurationResponse'];

export type PlanAction =
  | { op: 'create'; name: string; desired: DesiredConfiguration }
  | {
      op: 'update';
      name: string;
      version: number;
      updated_at: string;
      desired: DesiredConfiguration;
      changes: string[];
      diff: string;
    }
  | { op: 'unchanged'; name: string; version: number }
  | { op: 'delete'; name: string; version: number; updated_at: string }
  | { op: 'unmanaged'; name: string; version: number };

/** What `plan --out` writes and `apply --plan` reads: the actions and the versions they assume. */
export interface SavedPlan {
  kind: 'opampctl-plan';
  server: string;
  created_at: string;
  actions: PlanAction[];
}

export function isChange(action: PlanAction): boolean {
  return action.op === 'create' || action.op === 'update' || action.op === 'delete';
}

export async function readServerConfigurations(client: ApiClient): Promise<Configuration[]> {
  return readAll((page, page_size) =>
    call(client.GET('/api/v1/configurations', { params: { query: { page, page_size } } })),
  );
}

export function toDesired(c: Configuration): DesiredConfiguration {
  return {
    name: c.name,
    description: c.description,
    raw_config: c.raw_config,
    content_type: c.content_type,
    file_name: c.file_name,
    selector: c.selector,
    priority: c.priority,
    auto_push: c.auto_push,
  };
}

/**
 * Compares the manifests with the server. Names match case-insensitively, as the server's do.
 * Configurations only on the server are deleted with `prune`, else reported as unmanaged.
 */
export function computePlan(desired: DesiredConfiguration[], server: Configuration[], prune: boolean): PlanAction[] {
  const byName = new Map(server.map((c) => [c.name.toLowerCase(), c]));
  const actions: PlanAction[] = [];
  for (const d of [...desired].sort((a, b) => a.name.localeCompare(b.name))) {
    const current = byName.get(d.name.toLowerCase());
    byName.delete(d.name.toLowerCase());
    if (!current) {
      actions.push({ op: 'create', name: d.name, desired: d });
      continue;
    }
    const changes = fieldChanges(toDesired(current), d);
    const diff =
      current.raw_config === d.raw_config
        ? ''
        : createTwoFilesPatch(
            `${current.name} (server, version ${current.version})`,
            `${d.name} (manifest)`,
            current.raw_config,
            d.raw_config,
          );
    if (changes.length === 0 && diff === '') {
      actions.push({ op: 'unchanged', name: current.name, version: current.version });
    } else {
      actions.push({
        op: 'update',
        name: current.name,
        version: current.version,
        updated_at: current.updated_at,
        desired: d,
        changes,
        diff,
      });
    }
  }
  for (const c of [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    actions.push(
      prune
        ? { op: 'delete', name: c.name, version: c.version, updated_at: c.updated_at }
        : { op: 'unmanaged', name: c.name, version: c.version },
    );
  }
  return actions;
}

function fieldChanges(current: DesiredConfiguration, desired: DesiredConfiguration): string[] {
  const changes: string[] = [];
  const show = (v: unknown): string =>
    typeof v === 'object' ? labels(v as Record<string, string>) : JSON.stringify(v);
  for (const key of ['selector', 'priority', 'content_type', 'file_name', 'description', 'auto_push'] as const) {
    const a = current[key];
    const b = desired[key];
    if (show(a) !== show(b)) {
      changes.push(`${key}: ${show(a)} -> ${show(b)}`);
    }
  }
  return changes;
}

function labels(map: Record<string, string>): string {
  const pairs = Object.keys(map)
    .sort()
    .map((k) => `${k}=${map[k]}`);
  return pairs.length ? `{${pairs.join(', ')}}` : '{}';
}

export function renderPlan(actions: PlanAction[]): string {
  const lines: string[] = [];
  for (const a of actions) {
    switch (a.op) {
      case 'create':
        lines.push(`+ create configuration ${a.name}`);
        lines.push(
          `    selector: ${labels(a.desired.selector)}, priority: ${a.desired.priority}, ` +
            `content_type: ${a.desired.content_type}, ${a.desired.raw_config.split('\n').length} lines`,
        );
        break;
      case 'update':
        lines.push(`~ update configuration ${a.name} (planned against version ${a.version})`);
        lines.push(...a.changes.map((c) => `    ${c}`));
        if (a.diff) {
          lines.push(
            ...a.diff
              .replace(/\n$/, '')
              .split('\n')
              .slice(1)
              .map((l) => `    ${l}`),
          );
        }
        break;
      case 'unchanged':
        lines.push(`= unchanged configuration ${a.name}`);
        break;
      case 'delete':
        lines.push(`- delete configuration ${a.name} (version ${a.version})`);
        break;
      case 'unmanaged':
        lines.push(`? configuration ${a.name} is on the server but in no manifest (kept; --prune deletes it)`);
        break;
    }
  }
  const count = (op: PlanAction['op']): number => actions.filter((a) => a.op === op).length;
  lines.push(
    `Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ` +
      `${count('unchanged')} unchanged.`,
  );
  if (!actions.some(isChange)) {
    lines.push('No changes: the server matches the manifests.');
  }
  return lines.join('\n');
}

/**
 * Carries out the plan in order, stopping at the first failure. Updates send the version the
 * plan saw (the API answers 409 if the configuration moved on); creates meet 409 if the name
 * was taken meanwhile.
 */
export async function applyPlan(client: ApiClient, actions: PlanAction[], log: (line: string) => void): Promise<void> {
  for (const a of actions) {
    switch (a.op) {
      case 'create': {
        const c = await guarded(a.name, () => call(client.POST('/api/v1/configurations', { body: a.desired })));
        log(`created configuration ${c.name} (version ${c.version})`);
        break;
      }
      case 'update': {
        const c = await guarded(a.name, async () => {
          await expectUnchanged(client, a);
          return call(
            client.PUT('/api/v1/configurations/{name}', {
              params: { path: { name: a.name } },
              body: { ...a.desired, name: a.name, version: a.version },
            }),
          );
        });
        log(`updated configuration ${c.name}: version ${a.version} -> ${c.version}`);
        break;
      }
      case 'delete': {
        await guarded(a.name, async () => {
          await expectUnchanged(client, a);
          await call(
            client.DELETE('/api/v1/configurations/{name}', {
              params: { path: { name: a.name }, query: { force: true } },
            }),
          );
        });
        log(`deleted configuration ${a.name}`);
        break;
      }
      case 'unchanged':
      case 'unmanaged':
        break;
    }
  }
}

/**
 * The API's version guard covers content (raw_config, selector, ...) but a priority or description
 * change keeps the version, and delete has no guard: compare `updated_at` too, just before writing.
 */
async function expectUnchanged(
  client: ApiClient,
  a: { name: string; version: number; updated_at: string },
): Promise<void> {
  const now = await call(client.GET('/api/v1/configurations/{name}', { params: { path: { name: a.name } } }));
  if (now.version !== a.version || now.updated_at !== a.updated_at) {
    throw new ApiError(409, `now version ${now.version} updated ${now.updated_at}, the plan saw version ${a.version}`);
  }
}

async function guarded<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
      throw new PlanConflictError(
        `configuration ${name} changed on the server since the plan (${error.message}); run plan again`,
      );
    }
    throw error;
  }
}
