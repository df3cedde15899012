import { api, type AgentDetail, type User } from '../api.js';
import { dateTime } from '../format.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';
import { ErrorMessage } from './ErrorMessage.js';
import { SideBySideDiff } from './SideBySideDiff.js';
import { StatusBadge } from './StatusBadge.js';

/** What the agent runs next to what it should run (both redacted), with a re-push for operators. */
export function DriftPanel({
  agent,
  user,
  act,
}: {
  agent: AgentDetail;
  user: User;
  act: (action: () => Promise<unknown>, info: string) => Promise<void>;
}) {
  // Refetched whenever the agent's drift state or paths change (the detail reloads on live events).
  const drift = useAsync(() => api.agentDrift(agent.instance_uid), [agent.drift, JSON.stringify(agent.drift_paths)]);
  const d = drift.data;
  const name = d?.configuration?.name;
  return (
    <div class="card" data-testid="drift-panel">
      <h2>
        Drift <StatusBadge value={agent.drift} />
      </h2>
      <ErrorMessage error={drift.error} />
      {d && (
        <>
          <p class="small muted">
            {d.configuration ? `Against ${name ?? d.configuration.id} v${d.configuration.version}` : 'No configuration'}{' '}
            · checked {dateTime(d.checked_at)}
          </p>
          {d.differences.length > 0 && (
            <ul class="small mono" data-testid="drift-paths">
              {d.differences.map((x) => (
                <li key={`${x.file}:${x.path}`}>{x.path || x.file || '(whole file)'}</li>
              ))}
            </ul>
          )}
          {d.desired !== null && d.effective !== null && <SideBySideDiff left={d.desired} right={d.effective} />}
          {name && can(user, 'operator') && (
            <button
              onClick={() => void act(() => api.pushToAgent(name, agent.instance_uid), 'Configuration re-pushed')}
            >
              Re-push {name}
            </button>
          )}
        </>
      )}
    </div>
  );
}
