import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api.js';
import { dateTime } from '../format.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';
import { DiffView } from './DiffView.js';

interface Props {
  name: string;
  /** The current version; history reloads when it changes. */
  version: number;
  user: User;
  onRolledBack: () => void;
}

/** Versions of a configuration, a diff between any two, and rollback to one of them. */
export function ConfigHistory({ name, version, user, onRolledBack }: Props) {
  const history = useAsync(() => api.history(name), [name, version]);
  const [range, setRange] = useState({ from: Math.max(1, version - 1), to: version });
  useEffect(() => setRange({ from: Math.max(1, version - 1), to: version }), [version]);
  const diff = useAsync(() => api.diff(name, range.from, range.to), [name, range.from, range.to, version]);
  const [error, setError] = useState<string>();
  const versions = history.data?.map((v) => v.version) ?? [];
  const rollback = async (target: number) => {
    if (!confirm(`Roll back ${name} to version ${target}? This creates a new version.`)) {
      return;
    }
    try {
      await api.rollback(name, target);
      setError(undefined);
      onRolledBack();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const picker = (key: 'from' | 'to') => (
    <select
      name={`diff-${key}`}
      value={range[key]}
      onChange={(e) => setRange({ ...range, [key]: Number(e.currentTarget.value) })}
    >
      {versions.map((v) => (
        <option key={v} value={v}>
          v{v}
        </option>
      ))}
    </select>
  );
  return (
    <div class="card" data-testid="history">
      <h2>History</h2>
      {error && <p class="error-text">{error}</p>}
      <table class="table compact">
        <thead>
          <tr>
            <th>Version</th>
            <th>Change</th>
            <th>By</th>
            <th>When</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {history.data?.map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td>v{v.version}</td>
              <td>
                {v.change_kind}
                {v.rolled_back_from !== null && ` (from v${v.rolled_back_from})`}
              </td>
              <td>{v.created_by ?? '—'}</td>
              <td>{dateTime(v.created_at)}</td>
              <td>
                {can(user, 'operator') && v.version !== version && (
                  <button class="small-button" onClick={() => void rollback(v.version)}>
                    Roll back to v{v.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length > 1 && (
        <>
          <h3>
            Diff {picker('from')} → {picker('to')}
          </h3>
          {diff.error && <p class="error-text">{diff.error}</p>}
          {diff.data && <DiffView diff={diff.data.raw_config_diff} />}
          {diff.data &&
            Object.keys(diff.data.selector.added).length +
              Object.keys(diff.data.selector.removed).length +
              Object.keys(diff.data.selector.changed).length >
              0 && <p class="small">Selector changed: {JSON.stringify(diff.data.selector)}</p>}
        </>
      )}
    </div>
  );
}
