import { useEffect, useState } from 'preact/hooks';
import { api, type RolloutAction, type RolloutDetail, type User } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { RolloutSubject, rolloutChange } from '../components/RolloutSubject.js';
import { timeAgo } from '../format.js';
import { useLiveEvents } from '../live-events.js';
import { linkProps } from '../router.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

const POLL_MS = 2000;
const STATES = ['waiting', 'offered', 'applied', 'failed', 'timeout', 'skipped', 'rolled_back'] as const;
/** Which buttons a rollout in each status offers. */
const ACTIONS: Record<string, RolloutAction[]> = {
  running: ['pause', 'cancel', 'rollback'],
  paused: ['resume', 'cancel', 'rollback'],
};

/** One rollout: stage bar, counts per stage and state, the gate that tripped and who, and its controls. */
export function RolloutPage({ id, user }: { id: string; user: User }) {
  const rollout = useAsync(() => api.rollout(id), [id]);
  const [error, setError] = useState<string>();
  useLiveEvents(rollout.reload, (e) => e.type === 'rollout' || e.type === 'apply');
  // Another instance may be advancing it: its events do not reach this stream.
  useEffect(() => {
    const timer = setInterval(rollout.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [rollout.reload]);
  const r = rollout.data;
  if (!r) {
    return <ErrorMessage error={rollout.error} />;
  }
  const act = async (action: RolloutAction) => {
    setError(undefined);
    try {
      await api.rolloutAction(id, action);
      rollout.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section data-testid="rollout" data-status={r.status} data-stage={r.current_stage}>
      <div class="title-row">
        <h1>
          Rollout of {r.package ? 'package ' : ''}
          <RolloutSubject rollout={r} />{' '}
          {r.package ? `(assignment ${r.package.assignment_id ?? 'deleted'})` : rolloutChange(r)}
        </h1>
        {can(user, 'operator') && (
          <div class="buttons">
            {(ACTIONS[r.status] ?? []).map((action) => (
              <button key={action} data-action={action} onClick={() => void act(action)}>
                {action === 'rollback' ? 'Roll back' : action[0].toUpperCase() + action.slice(1)}
              </button>
            ))}
          </div>
        )}
      </div>
      <p>
        <span class={`badge badge-${r.status.replace('_', '')}`} data-testid="rollout-status">
          {r.status}
        </span>{' '}
        stage {r.current_stage} of {r.stage_count} ({r.phase}), bake {r.bake_seconds} s,{' '}
        {r.auto_rollback ? 'rolls back' : 'pauses'} on a tripped gate; started {timeAgo(r.created_at)}
        {r.created_by && ` by ${r.created_by}`}
      </p>
      <ErrorMessage error={error ?? rollout.error} />
      <StageBar rollout={r} />
      {r.tripped_gate && (
        <div class="tripped" data-testid="tripped-gate">
          <strong>Gate “{r.tripped_gate}” tripped.</strong> {r.reason}
          <ul>
            {(r.tripped_agents ?? []).map((agent) => (
              <li key={agent}>
                <a {...linkProps(`/agents/${agent}`)}>{agent}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {!r.tripped_gate && r.reason && <p class="muted">{r.reason}</p>}
      {r.status === 'cancelled' && r.pinned_agents > 0 && (
        <p data-testid="rollout-pinned">
          {r.pinned_agents} agent(s) stay pinned to v{r.to_version} by this rollout; a push to all or a new rollout
          replaces the pins.
        </p>
      )}
      <table class="table" data-testid="rollout-stages">
        <thead>
          <tr>
            <th>Stage</th>
            <th>Targeted</th>
            {STATES.map((s) => (
              <th key={s}>{s.replace('_', ' ')}</th>
            ))}
            <th>Unhealthy</th>
            <th>Gates</th>
          </tr>
        </thead>
        <tbody>
          {r.stages.map((s) => (
            <tr key={s.stage} data-stage={s.stage}>
              <td>{s.stage}</td>
              <td>{s.targeted}</td>
              {STATES.map((state) => (
                <td key={state} data-state={state}>
                  {s[state]}
                </td>
              ))}
              <td>{s.unhealthy}</td>
              <td>
                {s.gates?.map((g) => (
                  <span
                    key={g.gate}
                    class={`badge badge-${g.passed ? 'applied' : 'failed'}`}
                    title={`${g.value} / ${g.threshold}`}
                  >
                    {g.gate}
                  </span>
                )) ?? <span class="muted">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function StageBar({ rollout: r }: { rollout: RolloutDetail }) {
  const finished = r.status === 'completed';
  return (
    <div class="stage-bar" data-testid="stage-bar">
      {r.stages.map((s) => {
        const state =
          finished || s.stage < r.current_stage
            ? 'done'
            : s.stage === r.current_stage
              ? r.tripped_gate
                ? 'tripped'
                : 'current'
              : 'waiting';
        return (
          <div key={s.stage} class={`stage stage-${state}`} data-state={state}>
            Stage {s.stage}: {s.applied}/{s.targeted} applied
          </div>
        );
      })}
    </div>
  );
}
