import { useState } from 'preact/hooks';
import { api, type DefaultRolloutPolicy, type User } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { KeyValueEditor } from '../components/KeyValueEditor.js';
import { Labels } from '../components/Labels.js';
import { planSummary } from '../components/EffectivePolicy.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

/**
 * Default rollout policies by label: a configuration without a policy of its own rolls a new
 * version out with the highest-priority one whose selector matches one of its agents.
 */
export function RolloutPoliciesPage({ user }: { user: User }) {
  const list = useAsync(() => api.rolloutPolicies(), []);
  const [error, setError] = useState<string>();
  const admin = can(user, 'admin');
  const remove = async (policy: DefaultRolloutPolicy) => {
    if (!confirm(`Delete the default rollout policy "${policy.name}"? Running rollouts go on.`)) {
      return;
    }
    try {
      await api.deleteRolloutPolicy(policy.name);
      list.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <h1>Default rollout policies</h1>
      <p class="muted">
        A configuration without a rollout policy of its own (and not opted out) rolls each new version out with the
        highest-priority policy below whose selector matches at least one of its agents; otherwise the version goes to
        every agent at once.
      </p>
      {admin && <NewPolicy onCreated={list.reload} />}
      <ErrorMessage error={error ?? list.error} />
      <table class="table" data-testid="rollout-policies-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Selector</th>
            <th>Stages</th>
            <th>Priority</th>
            {admin && <th />}
          </tr>
        </thead>
        <tbody>
          {list.data?.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No default rollout policies: new versions go out as their configuration says.
              </td>
            </tr>
          )}
          {list.data?.map((p) => (
            <tr key={p.id} data-policy={p.name}>
              <td>
                {p.name}
                {p.description && <div class="muted">{p.description}</div>}
              </td>
              <td>
                <Labels labels={p.selector} />
              </td>
              <td>{planSummary(p.policy)}</td>
              <td>{p.priority}</td>
              {admin && (
                <td>
                  <button class="danger" onClick={() => void remove(p)}>
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function NewPolicy({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [selector, setSelector] = useState<Record<string, string>>({});
  const [percents, setPercents] = useState('1, 10, 50, 100');
  const [bake, setBake] = useState(60);
  const [priority, setPriority] = useState(0);
  const [autoRollback, setAutoRollback] = useState(true);
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.createRolloutPolicy({
        name,
        selector,
        priority,
        policy: {
          plan: { type: 'percent', percents: percents.split(',').map((p) => Number(p.trim())) },
          bake_seconds: bake,
          apply_timeout_seconds: 300,
          auto_rollback: autoRollback,
        },
      });
      setName('');
      setSelector({});
      onCreated();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <form class="card" onSubmit={(e) => void submit(e)} data-testid="new-rollout-policy">
      <div class="row">
        <label>
          Name
          <input name="name" value={name} required onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Stages (% of agents)
          <input name="percents" value={percents} onInput={(e) => setPercents(e.currentTarget.value)} />
        </label>
        <label>
          Bake (s)
          <input
            name="bake"
            type="number"
            min={0}
            value={bake}
            onInput={(e) => setBake(Number(e.currentTarget.value))}
          />
        </label>
        <label>
          Priority
          <input
            name="priority"
            type="number"
            value={priority}
            onInput={(e) => setPriority(Number(e.currentTarget.value))}
          />
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={autoRollback} onChange={(e) => setAutoRollback(e.currentTarget.checked)} />{' '}
          Roll back on a tripped gate
        </label>
      </div>
      <h3>Agents it applies to</h3>
      <KeyValueEditor value={selector} onChange={setSelector} keyPlaceholder="label" testId="policy-selector" />
      <button class="primary" type="submit">
        Create policy
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}
