import { useState } from 'preact/hooks';
import { api, type User } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';

/** The signed-in user's own account: change the password (the first admin's generated one, say). */
export function AccountPage({ user }: { user: User }) {
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const field = (name: string) => (data.get(name) as string | null) ?? '';
    const next = field('new_password');
    setError(undefined);
    setDone(false);
    if (next !== field('confirm_password')) {
      setError('The new passwords do not match');
      return;
    }
    setBusy(true);
    try {
      await api.changeOwnPassword(field('current_password'), next);
      form.reset();
      setDone(true);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>Account</h1>
      <p>
        Signed in as <strong>{user.username}</strong> ({user.role}).
      </p>
      <form class="card narrow" onSubmit={(e) => void submit(e)} data-testid="change-password">
        <h2>Change your password</h2>
        <label>
          Current password
          <input type="password" name="current_password" autocomplete="current-password" required />
        </label>
        <label>
          New password
          <input type="password" name="new_password" autocomplete="new-password" minLength={8} required />
        </label>
        <label>
          New password again
          <input type="password" name="confirm_password" autocomplete="new-password" minLength={8} required />
        </label>
        <ErrorMessage error={error} />
        {done && <p class="info-box">Password changed</p>}
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
      </form>
    </section>
  );
}
