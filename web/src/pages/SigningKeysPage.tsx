import { useState } from 'preact/hooks';
import { api, type SigningKey } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { dateTime } from '../format.js';
import { useAsync } from '../use-async.js';

function keyState(key: SigningKey): string {
  if (key.revoked) {
    return 'revoked';
  }
  return key.expires_at && new Date(key.expires_at) <= new Date() ? 'expired' : 'trusted';
}

/** The OpenPGP public keys whose package signatures are trusted (admin). */
export function SigningKeysPage() {
  const keys = useAsync(() => api.signingKeys(), []);
  const [armored, setArmored] = useState('');
  const [error, setError] = useState<string>();
  const add = async (event: Event) => {
    event.preventDefault();
    try {
      await api.addSigningKey(armored);
      setArmored('');
      setError(undefined);
      keys.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async (key: SigningKey) => {
    if (confirm(`Stop trusting ${key.user_ids[0] ?? key.fingerprint}? Its signatures will be reported as unknown.`)) {
      await api.deleteSigningKey(key.id).then(keys.reload, (e: Error) => setError(e.message));
    }
  };
  return (
    <section>
      <h1>Signing keys</h1>
      <p class="muted">
        Package signatures are checked against these keys. Post a key again with its revocation or a new expiry to
        record that.
      </p>
      <ErrorMessage error={error ?? keys.error} />
      <form class="card" onSubmit={(e) => void add(e)} data-testid="add-signing-key">
        <h2>Trust a public key</h2>
        <label class="grow">
          Armored public key (<code>gpg --armor --export KEYID</code>)
          <textarea
            name="armored_key"
            rows={6}
            required
            value={armored}
            onInput={(e) => setArmored(e.currentTarget.value)}
            placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----"
          />
        </label>
        <button type="submit" class="primary">
          Add key
        </button>
      </form>
      <table class="table" data-testid="signing-keys-table">
        <thead>
          <tr>
            <th>User ids</th>
            <th>Fingerprint</th>
            <th>Algorithm</th>
            <th>Created</th>
            <th>Expires</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data?.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No trusted keys: every signature is reported as unknown_key.
              </td>
            </tr>
          )}
          {keys.data?.map((key) => (
            <tr key={key.id}>
              <td>{key.user_ids.join(', ')}</td>
              <td class="mono small">{key.fingerprint}</td>
              <td>{key.algorithm}</td>
              <td>{dateTime(key.key_created_at)}</td>
              <td>{key.expires_at ? dateTime(key.expires_at) : 'never'}</td>
              <td>
                <StatusBadge value={keyState(key)} />
              </td>
              <td class="cell-actions">
                <button class="small-button danger" onClick={() => void remove(key)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
