import { useState } from 'preact/hooks';
import { api, type AgentDetail, type User } from '../api.js';
import { dateTime } from '../format.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';
import { ErrorMessage } from './ErrorMessage.js';

/** Payloads are bytes: show text when they are printable, else base64. */
function show(data: string): string {
  const text = atob(data);
  return /^[\x20-\x7e\s]*$/.test(text) ? text : data;
}

/** Custom capabilities the agent announced, its latest custom messages, and a form to send one. */
export function CustomMessages({ agent, user }: { agent: AgentDetail; user: User }) {
  const messages = useAsync(() => api.customMessages(agent.instance_uid), [agent.instance_uid, agent.last_seen_at]);
  const capabilities = agent.custom_capabilities ?? [];
  const [form, setForm] = useState({ capability: capabilities[0] ?? '', type: '', data: '' });
  const [error, setError] = useState<string>();
  const send = async () => {
    try {
      setError(undefined);
      await api.sendCustomMessage(agent.instance_uid, { ...form, data: btoa(form.data) });
      messages.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="card" data-testid="custom-messages">
      <h2>Custom capabilities</h2>
      {capabilities.length > 0 ? (
        <ul class="capabilities">
          {capabilities.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">None announced</p>
      )}
      <ErrorMessage error={messages.error ?? error} />
      <table class="table compact">
        <tbody>
          {messages.data?.map((m) => (
            <tr key={m.id}>
              <td>{m.direction === 'sent' ? `→ ${m.sent_by ?? ''}` : '←'}</td>
              <td class="mono">
                {m.capability} / {m.type}
              </td>
              <td class="mono small">
                {show(m.data)}
                {m.truncated && ` … (${m.size} bytes)`}
              </td>
              <td>{dateTime(m.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {can(user, 'operator') && capabilities.length > 0 && (
        <div class="filters">
          <select value={form.capability} onChange={(e) => setForm({ ...form, capability: e.currentTarget.value })}>
            {capabilities.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <input
            placeholder="type"
            value={form.type}
            onInput={(e) => setForm({ ...form, type: e.currentTarget.value })}
          />
          <input
            placeholder="data"
            value={form.data}
            onInput={(e) => setForm({ ...form, data: e.currentTarget.value })}
          />
          <button onClick={() => void send()} disabled={agent.status !== 'online'}>
            Send
          </button>
        </div>
      )}
    </div>
  );
}
