import { useState } from 'preact/hooks';
import { api, type User } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { RolloutSubject, rolloutChange } from '../components/RolloutSubject.js';
import { timeAgo } from '../format.js';
import { useLiveEvents } from '../live-events.js';
import { navigate } from '../router.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

/** Rollouts, newest first, and (operators) a form to start one. */
export function RolloutsPage({ user }: { user: User }) {
  const list = useAsync(() => api.rollouts(), []);
  useLiveEvents(list.reload, (e) => e.type === 'rollout');
  return (
    <section>
      <h1>Rollouts</h1>
      {can(user, 'operator') && <NewRollout />}
      <ErrorMessage error={list.error} />
      <table class="table" data-testid="rollouts-table">
        <thead>
          <tr>
            <th>Subject</th>
            <th>Version</th>
            <th>Status</th>
            <th>Stage</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No rollouts yet.
              </td>
            </tr>
          )}
          {list.data?.map((r) => (
            <tr key={r.id}>
              <td>
                <RolloutSubject rollout={r} href={`/rollouts/${r.id}`} />
              </td>
              <td>{rolloutChange(r)}</td>
              <td>
                <span class={`badge badge-${r.status.replace('_', '')}`}>{r.status}</span>
              </td>
              <td>
                {r.current_stage} / {r.stage_count}
              </td>
              <td>
                {timeAgo(r.created_at)} {r.created_by && <span class="muted">by {r.created_by}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function NewRollout() {
  const [subject, setSubject] = useState<'configuration' | 'package'>('configuration');
  const [configuration, setConfiguration] = useState('');
  const [assignment, setAssignment] = useState('');
  const held = useAsync(() => (subject === 'package' ? api.packageAssignments() : Promise.resolve([])), [subject]);
  const [percents, setPercents] = useState('10, 50, 100');
  const [bake, setBake] = useState(60);
  const [autoRollback, setAutoRollback] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const created = await api.createRollout({
        ...(subject === 'package' ? { package_assignment: Number(assignment) } : { configuration }),
        plan: { type: 'percent', percents: percents.split(',').map((p) => Number(p.trim())) },
        bake_seconds: bake,
        apply_timeout_seconds: 300,
        auto_rollback: autoRollback,
      });
      navigate(`/rollouts/${created.id}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)} data-testid="new-rollout">
      <label>
        Roll out
        <select name="subject" value={subject} onChange={(e) => setSubject(e.currentTarget.value as typeof subject)}>
          <option value="configuration">a configuration</option>
          <option value="package">a held package assignment</option>
        </select>
      </label>
      {subject === 'configuration' ? (
        <label>
          Configuration
          <input
            name="configuration"
            value={configuration}
            required
            onInput={(e) => setConfiguration(e.currentTarget.value)}
          />
        </label>
      ) : (
        <label>
          Assignment
          <select
            name="package_assignment"
            value={assignment}
            required
            onChange={(e) => setAssignment(e.currentTarget.value)}
          >
            <option value="">—</option>
            {held.data
              ?.filter((a) => a.held)
              .map((a) => (
                <option key={a.id} value={String(a.id)}>
                  {a.package_name}@{a.package_version} (assignment {a.id})
                </option>
              ))}
          </select>
        </label>
      )}
      <label>
        Stages (% of agents)
        <input name="percents" value={percents} onInput={(e) => setPercents(e.currentTarget.value)} />
      </label>
      <label>
        Bake (s)
        <input name="bake" type="number" min={0} value={bake} onInput={(e) => setBake(Number(e.currentTarget.value))} />
      </label>
      <label>
        <input
          name="auto_rollback"
          type="checkbox"
          checked={autoRollback}
          onChange={(e) => setAutoRollback(e.currentTarget.checked)}
        />{' '}
        Roll back on a tripped gate
      </label>
      <button class="primary" type="submit">
        Start rollout
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}
