import { useEffect, useState } from 'preact/hooks';
import { api, type AgentAssignment, type AgentSort, type AgentSortOrder } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Labels } from '../components/Labels.js';
import { HealthBadge, StatusBadge } from '../components/StatusBadge.js';
import { useLiveEvents } from '../live-events.js';
import { linkProps } from '../router.js';
import { useAsync } from '../use-async.js';
import { timeAgo } from '../format.js';

/** Every agent's assignment, from each configuration's agent list (the agents list does not carry it). */
async function assignments(): Promise<Map<string, AgentAssignment>> {
  const configurations = await api.configurations();
  const lists = await Promise.all(configurations.map((c) => api.configurationAgents(c.name)));
  return new Map(lists.flat().map((a) => [a.agent_id, a]));
}

export function AgentsPage() {
  // What is typed (kept in state so live re-renders never wipe it) and, shortly after, what is queried.
  const [draft, setDraft] = useState({ status: '', selector: '', q: '', drift: '' });
  const [filter, setFilter] = useState(draft);
  useEffect(() => {
    const timer = setTimeout(() => setFilter(draft), 400);
    return () => clearTimeout(timer);
  }, [draft]);
  // A stable order by default (by name): sorting by last seen would reshuffle the rows with every
  // heartbeat while someone reads them. Only a click on a column header changes it.
  const [order, setOrder] = useState<AgentSortOrder>({ sort: 'agent_name', order: 'asc' });
  const agents = useAsync(
    () => api.agents(filter, order),
    [filter.status, filter.selector, filter.q, filter.drift, order.sort, order.order],
  );
  const header = (sort: AgentSort, label: string) => (
    <SortHeader sort={sort} label={label} current={order} onSort={setOrder} />
  );
  const assigned = useAsync(assignments, []);
  useLiveEvents(() => {
    agents.reload();
    assigned.reload();
  });
  const set = (key: keyof typeof draft) => (e: Event) =>
    setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section>
      <h1>Agents</h1>
      <div class="filters">
        <select name="status" value={draft.status} onChange={set('status')}>
          <option value="">Any status</option>
          <option value="online">Online</option>
          <option value="offline">Offline</option>
        </select>
        <select name="drift" value={draft.drift} onChange={set('drift')}>
          <option value="">Any drift</option>
          <option value="in_sync">In sync</option>
          <option value="drifted">Drifted</option>
          <option value="pending">Pending</option>
          <option value="unknown">Unknown</option>
        </select>
        <input
          name="selector"
          placeholder="Label selector: env=prod,team=obs"
          value={draft.selector}
          onInput={set('selector')}
        />
        <input name="q" placeholder="Search name, host, id" value={draft.q} onInput={set('q')} />
      </div>
      <ErrorMessage error={agents.error} />
      <table class="table" data-testid="agents-table">
        <thead>
          <tr>
            {header('agent_name', 'Agent')}
            {header('status', 'Status')}
            <th>Health</th>
            <th>Version</th>
            {header('host_name', 'Host')}
            <th>Labels</th>
            {header('last_seen_at', 'Last seen')}
            <th>Configuration</th>
            <th>Drift</th>
          </tr>
        </thead>
        <tbody>
          {agents.data?.items.length === 0 && (
            <tr>
              <td colSpan={9} class="muted">
                No agents match.
              </td>
            </tr>
          )}
          {agents.data?.items.map((agent) => {
            const assignment = assigned.data?.get(agent.instance_uid);
            return (
              <tr key={agent.instance_uid} data-agent-id={agent.instance_uid}>
                <td>
                  <a {...linkProps(`/agents/${agent.instance_uid}`)}>{agent.name}</a>
                  <div class="muted small mono">{agent.instance_uid}</div>
                </td>
                <td>
                  <StatusBadge value={agent.status} />
                </td>
                <td>
                  <HealthBadge healthy={agent.healthy} />
                </td>
                <td>{agent.agent_version ?? '—'}</td>
                <td>{agent.host_name ?? '—'}</td>
                <td>
                  <Labels labels={agent.labels} />
                </td>
                <td title={agent.last_seen_at ?? ''}>{timeAgo(agent.last_seen_at)}</td>
                <td>
                  {assignment?.configuration_name ? (
                    <>
                      <a {...linkProps(`/configurations/${assignment.configuration_name}`)}>
                        {assignment.configuration_name} v{assignment.assigned_version}
                      </a>{' '}
                      <StatusBadge value={assignment.apply_status} />
                    </>
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
                <td data-testid="drift">
                  <StatusBadge value={agent.drift} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {agents.data && (
        <p class="muted small" data-testid="agents-count">
          {agents.data.items.length < agents.data.total
            ? `Showing the first ${agents.data.items.length} of ${agents.data.total} agents; narrow the filter to see others.`
            : `${agents.data.total} agent${agents.data.total === 1 ? '' : 's'}`}
        </p>
      )}
    </section>
  );
}

/** A column header that sorts by its column; a second click reverses the order. */
function SortHeader(props: {
  sort: AgentSort;
  label: string;
  current: AgentSortOrder;
  onSort: (order: AgentSortOrder) => void;
}) {
  const active = props.current.sort === props.sort;
  const next = active && props.current.order === 'asc' ? 'desc' : 'asc';
  return (
    <th aria-sort={active ? (props.current.order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button class="link sort" onClick={() => props.onSort({ sort: props.sort, order: next })}>
        {props.label} {active ? (props.current.order === 'asc' ? '▲' : '▼') : ''}
      </button>
    </th>
  );
}
