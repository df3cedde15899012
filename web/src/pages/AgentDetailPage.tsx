import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api.js';
import { CustomMessages } from '../components/CustomMessages.js';
import { DriftPanel } from '../components/DriftPanel.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { HealthTree } from '../components/HealthTree.js';
import { KeyValueEditor } from '../components/KeyValueEditor.js';
import { HealthBadge, StatusBadge } from '../components/StatusBadge.js';
import { dateTime } from '../format.js';
import { useLiveEvents } from '../live-events.js';
import { linkProps } from '../router.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

function AttributeTable({ attributes }: { attributes: Record<string, string> }) {
  return (
    <table class="table compact">
      <tbody>
        {Object.entries(attributes).map(([key, value]) => (
          <tr key={key}>
            <th>{key}</th>
            <td class="mono">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AgentDetailPage({ id, user }: { id: string; user: User }) {
  const agent = useAsync(() => api.agent(id), [id]);
  const history = useAsync(() => api.agentApplyHistory(id), [id]);
  useLiveEvents(
    () => {
      agent.reload();
      history.reload();
    },
    (e) => e.type !== 'rollout' && e.agent_id === id,
  );
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ error?: string; info?: string }>({});
  // Refetches after live events return equal labels as new objects: only a real change may
  // replace what the operator is editing.
  const storedLabels = JSON.stringify(agent.data?.labels ?? {});
  useEffect(() => setLabels(JSON.parse(storedLabels) as Record<string, string>), [storedLabels]);
  const act = async (action: () => Promise<unknown>, info: string) => {
    try {
      await action();
      setMessage({ info });
      agent.reload();
    } catch (e) {
      setMessage({ error: (e as Error).message });
    }
  };
  const a = agent.data;
  if (!a) {
    return <ErrorMessage error={agent.error} />;
  }
  return (
    <section>
      <p>
        <a {...linkProps('/agents')}>← Agents</a>
      </p>
      <h1>
        {a.name} <StatusBadge value={a.status} /> <HealthBadge healthy={a.healthy} />
      </h1>
      <p class="muted mono">{a.instance_uid}</p>
      <ErrorMessage error={message.error} />
      {message.info && <p class="info-box">{message.info}</p>}
      <div class="grid">
        <div class="card">
          <h2>Description</h2>
          <AttributeTable attributes={a.identifying_attributes} />
          <AttributeTable attributes={a.non_identifying_attributes} />
          <p class="small muted">
            Transport {a.transport ?? '—'} · first seen {dateTime(a.first_seen_at)} · connected{' '}
            {dateTime(a.connected_at)}
          </p>
        </div>
        <div class="card">
          <h2>Capabilities</h2>
          <p class="small muted mono">mask 0x{BigInt(a.capabilities.mask).toString(16)}</p>
          <ul class="capabilities">
            {a.capabilities.names.map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        </div>
        <div class="card">
          <h2>Labels</h2>
          {can(user, 'operator') ? (
            <>
              <KeyValueEditor value={labels} onChange={setLabels} testId="labels-editor" />
              <button class="primary" onClick={() => void act(() => api.setLabels(id, labels), 'Labels saved')}>
                Save labels
              </button>
            </>
          ) : (
            <AttributeTable attributes={a.labels} />
          )}
        </div>
        <div class="card">
          <h2>Health</h2>
          {a.health ? (
            <ul class="health-tree">
              <HealthTree node={a.health} />
            </ul>
          ) : (
            <p class="muted">Not reported</p>
          )}
        </div>
        <div class="card">
          <h2>Remote configuration</h2>
          <p>
            Reported <StatusBadge value={a.remote_config_status.status} />{' '}
            <span class="mono small">{a.remote_config_status.hash?.slice(0, 12)}</span>
          </p>
          {a.remote_config_status.error_message && <p class="error-text">{a.remote_config_status.error_message}</p>}
          {a.configuration?.configuration_name ? (
            <p>
              Assigned{' '}
              <a {...linkProps(`/configurations/${a.configuration.configuration_name}`)}>
                {a.configuration.configuration_name} v{a.configuration.assigned_version}
              </a>{' '}
              <StatusBadge value={a.configuration.apply_status} /> {a.configuration.in_sync ? 'in sync' : 'not in sync'}
            </p>
          ) : (
            <p class="muted">No configuration assigned</p>
          )}
          {can(user, 'operator') && (
            <button
              onClick={() => void act(() => api.restart(id), 'Restart requested')}
              disabled={a.status !== 'online' || !a.capabilities.names.includes('AcceptsRestartCommand')}
              title={
                a.capabilities.names.includes('AcceptsRestartCommand')
                  ? undefined
                  : 'The agent does not accept restart commands'
              }
            >
              Restart agent
            </button>
          )}
        </div>
        <div class="card">
          <h2>Package statuses</h2>
          {a.package_statuses && a.package_statuses.length > 0 ? (
            <table class="table compact">
              <thead>
                <tr>
                  <th>Package</th>
                  <th>Status</th>
                  <th>Has</th>
                  <th>Signature</th>
                  <th>Offered</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {a.package_statuses.map((p) => (
                  <tr key={p.package_name}>
                    <td>{p.package_name}</td>
                    <td>
                      <StatusBadge value={p.status} />
                      {p.status === 'downloading' &&
                        p.download_percent !== null &&
                        ` ${Math.round(p.download_percent)}%`}
                    </td>
                    <td class="mono">{p.agent_has_version}</td>
                    <td title={p.installed_signer_fingerprint ?? undefined}>
                      {p.installed_signature_status ? (
                        <StatusBadge value={p.installed_signature_status.replace('_', ' ')} />
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td class="mono">{p.server_offered_version}</td>
                    <td class="error-text">{p.error_message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">None reported</p>
          )}
        </div>
      </div>
      <DriftPanel agent={a} user={user} act={act} />
      <div class="card">
        <h2>Effective configuration</h2>
        {a.effective_config && Object.keys(a.effective_config).length > 0 ? (
          Object.entries(a.effective_config).map(([file, content]) => (
            <div key={file}>
              <p class="small muted">
                {file || '(default)'} · {content.content_type}
              </p>
              <pre class="code">{content.body}</pre>
            </div>
          ))
        ) : (
          <p class="muted">Not reported</p>
        )}
      </div>
      <div class="grid">
        <CustomMessages agent={a} user={user} />
        <div class="card">
          <h2>Available components</h2>
          {a.available_components ? (
            <pre class="code small">{JSON.stringify(a.available_components.components ?? {}, null, 2)}</pre>
          ) : (
            <p class="muted">Not reported</p>
          )}
        </div>
      </div>
      <div class="card">
        <h2>Apply history</h2>
        <table class="table compact">
          <thead>
            <tr>
              <th>Configuration</th>
              <th>Version</th>
              <th>Status</th>
              <th>Offered</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {history.data?.map((r) => (
              <tr key={r.id}>
                <td>{r.configuration_name}</td>
                <td>v{r.version}</td>
                <td>
                  <StatusBadge value={r.status} />
                </td>
                <td>{dateTime(r.offered_at)}</td>
                <td class="error-text">{r.error_message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
