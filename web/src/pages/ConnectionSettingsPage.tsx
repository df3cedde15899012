import { useState } from 'preact/hooks';
import {
  api,
  type ConnectionSettings,
  type ConnectionSettingsInput,
  type TelemetryDestination,
  type User,
} from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { KeyValueEditor } from '../components/KeyValueEditor.js';
import { dateTime } from '../format.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

const KINDS = [
  ['own_metrics', 'Metrics'],
  ['own_traces', 'Traces'],
  ['own_logs', 'Logs'],
] as const;
type Kind = (typeof KINDS)[number][0];

/** One destination as edited: header lines `Key: value`; a line with only `Key` keeps the stored value. */
interface DestinationDraft {
  endpoint: string;
  headers: string;
}

interface Draft {
  name: string;
  selector: Record<string, string>;
  priority: number;
  destinations: Record<Kind, DestinationDraft>;
}

function emptyDraft(): Draft {
  const destinations = {} as Record<Kind, DestinationDraft>;
  KINDS.forEach(([kind]) => (destinations[kind] = { endpoint: '', headers: '' }));
  return { name: '', selector: {}, priority: 0, destinations };
}

function draftOf(settings: ConnectionSettings): Draft {
  const draft = emptyDraft();
  draft.name = settings.name;
  draft.selector = settings.selector;
  draft.priority = settings.priority;
  for (const [kind] of KINDS) {
    const destination = settings[kind];
    if (destination) {
      // Stored values are never shown: key-only lines keep them.
      draft.destinations[kind] = {
        endpoint: destination.destination_endpoint,
        headers: destination.headers.map((h) => h.key).join('\n'),
      };
    }
  }
  return draft;
}

function destinationOf(draft: DestinationDraft): TelemetryDestination | null {
  if (!draft.endpoint.trim()) {
    return null;
  }
  const headers = draft.headers
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(':');
      return colon < 0 ? { key: line } : { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    });
  return { destination_endpoint: draft.endpoint.trim(), headers };
}

function inputOf(draft: Draft): ConnectionSettingsInput {
  return {
    selector: draft.selector,
    priority: draft.priority,
    own_metrics: destinationOf(draft.destinations.own_metrics),
    own_traces: destinationOf(draft.destinations.own_traces),
    own_logs: destinationOf(draft.destinations.own_logs),
  };
}

/**
 * Where agents send their own telemetry, by label selector. Agents get a change offered once
 * (OpAMP connection settings); header values are write-only.
 */
export function ConnectionSettingsPage({ user }: { user: User }) {
  const list = useAsync(() => api.connectionSettings(), []);
  const [draft, setDraft] = useState<Draft>();
  const [editing, setEditing] = useState<string>();
  const [error, setError] = useState<string>();
  const writable = can(user, 'operator');
  const save = async (event: Event) => {
    event.preventDefault();
    if (!draft) {
      return;
    }
    try {
      if (editing) {
        await api.updateConnectionSettings(editing, inputOf(draft));
      } else {
        await api.createConnectionSettings({ name: draft.name, ...inputOf(draft) });
      }
      setDraft(undefined);
      setEditing(undefined);
      setError(undefined);
      list.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async (name: string) => {
    if (confirm(`Delete connection settings ${name}? Matching agents are told to stop sending there.`)) {
      await api.deleteConnectionSettings(name).then(list.reload, (e: Error) => setError(e.message));
    }
  };
  const setDestination = (kind: Kind, patch: Partial<DestinationDraft>) =>
    draft &&
    setDraft({ ...draft, destinations: { ...draft.destinations, [kind]: { ...draft.destinations[kind], ...patch } } });
  return (
    <section>
      <h1>Connection settings</h1>
      <p class="muted">
        Destinations for the agents' own telemetry, offered over OpAMP to the agents a selector matches (per kind, the
        highest priority wins). The heartbeat interval comes from OPAMP_HEARTBEAT_SECONDS. Header values are stored
        encrypted and never shown.
      </p>
      <ErrorMessage error={error ?? list.error} />
      <table class="table" data-testid="connection-settings">
        <thead>
          <tr>
            <th>Name</th>
            <th>Selector</th>
            <th>Priority</th>
            {KINDS.map(([kind, label]) => (
              <th key={kind}>{label}</th>
            ))}
            <th>Updated</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td class="mono">
                {Object.entries(s.selector)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
              </td>
              <td>{s.priority}</td>
              {KINDS.map(([kind]) => (
                <td key={kind} class="mono">
                  {s[kind]?.destination_endpoint ?? '—'}
                  {s[kind]?.headers.map((h) => (
                    <div key={h.key} class="muted">
                      {h.key}: {h.value}
                    </div>
                  ))}
                </td>
              ))}
              <td>{dateTime(s.updated_at)}</td>
              <td>
                {writable && (
                  <>
                    <button
                      class="small-button"
                      onClick={() => {
                        setDraft(draftOf(s));
                        setEditing(s.name);
                      }}
                    >
                      Edit
                    </button>
                    <button class="small-button danger" onClick={() => void remove(s.name)}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {writable && !draft && (
        <button class="primary" onClick={() => setDraft(emptyDraft())}>
          New connection settings
        </button>
      )}
      {draft && (
        <form class="card" onSubmit={(e) => void save(e)} data-testid="connection-settings-form">
          <h2>{editing ? `Edit ${editing}` : 'New connection settings'}</h2>
          {!editing && (
            <label>
              Name
              <input value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} required />
            </label>
          )}
          <label>Selector</label>
          <KeyValueEditor value={draft.selector} onChange={(selector) => setDraft({ ...draft, selector })} />
          <label>
            Priority
            <input
              type="number"
              value={draft.priority}
              onInput={(e) => setDraft({ ...draft, priority: Number(e.currentTarget.value) })}
            />
          </label>
          {KINDS.map(([kind, label]) => (
            <fieldset key={kind}>
              <legend>{label}</legend>
              <input
                placeholder="https://otlp.example.com:4318/v1/..."
                value={draft.destinations[kind].endpoint}
                onInput={(e) => setDestination(kind, { endpoint: e.currentTarget.value })}
              />
              <textarea
                placeholder={'Header lines, e.g. Authorization: Bearer ...\n(a key alone keeps the stored value)'}
                value={draft.destinations[kind].headers}
                onInput={(e) => setDestination(kind, { headers: e.currentTarget.value })}
              />
            </fieldset>
          ))}
          <button type="submit" class="primary">
            Save
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(undefined);
              setEditing(undefined);
            }}
          >
            Cancel
          </button>
        </form>
      )}
    </section>
  );
}
