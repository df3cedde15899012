import { useState } from 'preact/hooks';
import { api, type Role } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { dateTime } from '../format.js';
import { useAsync } from '../use-async.js';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export function UsersPage() {
  const users = useAsync(() => api.users(), []);
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' as Role });
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError(undefined);
      users.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await api.createUser(form.username, form.password, form.role);
      setForm({ username: '', password: '', role: 'viewer' });
    });
  };
  return (
    <section>
      <h1>Users</h1>
      <ErrorMessage error={error ?? users.error} />
      <table class="table">
        <thead>
          <tr>
            <th>Username</th>
            <th>Role</th>
            <th>Created</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>
                <select
                  value={u.role}
                  onChange={(e) => void run(() => api.updateUser(u.id, { role: e.currentTarget.value as Role }))}
                >
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{dateTime(u.created_at)}</td>
              <td>
                <button
                  class="small-button"
                  onClick={() => void run(() => api.updateUser(u.id, { disabled: !u.disabled }))}
                >
                  {u.disabled ? 'Enable' : 'Disable'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card inline-form" onSubmit={create}>
        <h2>New user</h2>
        <input
          placeholder="username"
          value={form.username}
          onInput={(e) => setForm({ ...form, username: e.currentTarget.value })}
          required
        />
        <input
          placeholder="password"
          type="password"
          value={form.password}
          onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
          required
        />
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button type="submit" class="primary">
          Create
        </button>
      </form>
    </section>
  );
}
