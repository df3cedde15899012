import { useState } from 'preact/hooks';
import { api, type AgentKey, type CreatedAgentKey, type ServerInfo } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { dateTime } from '../format.js';
import { useAsync } from '../use-async.js';

/** The Collector's opamp extension pointed at this server's OpAMP endpoint (as the server reports it) with the new key. */
function collectorSnippet(key: string, endpoint: string): string {
  return [
    'extensions:',
    '  opamp:',
    '    server:',
    '      ws:',
    `        endpoint: ${endpoint}`,
    '        headers:',
    `          Authorization: Bearer ${key}`,
    '',
    'service:',
    '  extensions: [opamp]',
  ].join('\n');
}

export function AgentKeysPage() {
  const keys = useAsync(() => api.agentKeys(), []);
  const server = useAsync(() => api.serverInfo(), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedAgentKey>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const create = async (event: Event) => {
    event.preventDefault();
    try {
      setCreated(await api.createAgentKey(name));
      setCopied(false);
      setName('');
      keys.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const revoke = async (key: AgentKey) => {
    if (confirm(`Revoke key ${key.name}? Agents using it can no longer connect.`)) {
      await api.deleteAgentKey(key.id).then(keys.reload, (e: Error) => setError(e.message));
    }
  };
  const endpoint = server.data?.opamp_ws_url ?? `ws://${location.hostname}:4320/v1/opamp`;
  const snippet = created?.key ? collectorSnippet(created.key, endpoint) : '';
  return (
    <section>
      <h1>Agent keys</h1>
      <ErrorMessage error={error ?? keys.error} />
      {created?.key && (
        <div class="card highlight" data-testid="new-key">
          <h2>Key “{created.name}” created</h2>
          <p>This is the only time the key is shown. Collector configuration:</p>
          <pre class="code">{snippet}</pre>
          <EndpointNote info={server.data} />
          <button onClick={() => void navigator.clipboard?.writeText(snippet).then(() => setCopied(true))}>
            {copied ? 'Copied' : 'Copy snippet'}
          </button>
        </div>
      )}
      <table class="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data?.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td class="mono">{k.prefix}</td>
              <td>{dateTime(k.created_at)}</td>
              <td>{dateTime(k.last_used_at)}</td>
              <td>
                {k.revoked_at ? (
                  <span class="muted">revoked</span>
                ) : (
                  <button class="small-button danger" onClick={() => void revoke(k)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card inline-form" onSubmit={(e) => void create(e)}>
        <h2>New agent key</h2>
        <input
          placeholder="name, e.g. prod-collectors"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          required
        />
        <button type="submit" class="primary">
          Create key
        </button>
      </form>
    </section>
  );
}

/** Says when the endpoint is only a guess, so the operator knows to set OPAMP_PUBLIC_URL. */
function EndpointNote({ info }: { info?: ServerInfo }) {
  if (info?.opamp_url_source !== 'request') {
    return null;
  }
  return (
    <p class="muted small" data-testid="endpoint-guess">
      The endpoint is this page's host on the server's OpAMP port; if agents reach the server by another address, set{' '}
      <code>OPAMP_PUBLIC_URL</code> on the server.
    </p>
  );
}
