import { api } from '../api.js';
import { useLiveEvents } from '../live-events.js';
import { linkProps } from '../router.js';
import { useAsync } from '../use-async.js';
import { StatusBadge } from './StatusBadge.js';

interface Row {
  id: string;
  name: string;
  status: string;
  apply?: string | null;
}

/**
 * The agents a configuration reaches: the server's assignment once saved, or (before the first
 * save, or while the selector is being edited) the agents list filtered by the selector.
 */
export function MatchingAgents({ name, selector }: { name?: string; selector: Record<string, string> }) {
  const selectorText = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const rows = useAsync<Row[]>(async () => {
    if (name) {
      return (await api.configurationAgents(name)).map((a) => ({
        id: a.agent_id,
        name: a.agent_name ?? a.host_name ?? a.agent_id,
        status: a.status,
        apply: a.apply_status,
      }));
    }
    if (!selectorText) {
      return [];
    }
    return (await api.agents({ selector: selectorText }, { sort: 'agent_name', order: 'asc' })).items.map((a) => ({
      id: a.instance_uid,
      name: a.name,
      status: a.status,
    }));
  }, [name, selectorText]);
  useLiveEvents(rows.reload);
  return (
    <div data-testid="matching-agents">
      <h2>{name ? 'Assigned agents' : 'Agents matching the selector'}</h2>
      {rows.error && <p class="error-text">{rows.error}</p>}
      {rows.data?.length === 0 && <p class="muted">No agents.</p>}
      <ul class="plain">
        {rows.data?.map((row) => (
          <li key={row.id}>
            <a {...linkProps(`/agents/${row.id}`)}>{row.name}</a> <StatusBadge value={row.status} />{' '}
            {row.apply !== undefined && <StatusBadge value={row.apply} />}
          </li>
        ))}
      </ul>
    </div>
  );
}
