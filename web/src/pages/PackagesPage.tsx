import { useState } from 'preact/hooks';
import { api, downloadPackage, type Package, type User } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { KeyValueEditor } from '../components/KeyValueEditor.js';
import { Labels } from '../components/Labels.js';
import { PackageUpload } from '../components/PackageUpload.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { dateTime } from '../format.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function PackagesPage({ user }: { user: User }) {
  const packages = useAsync(() => api.packages(), []);
  const assignments = useAsync(() => api.packageAssignments(), []);
  const [error, setError] = useState<string>();
  const [assigning, setAssigning] = useState<{ pkg: Package; selector: Record<string, string>; hold: boolean }>();
  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError(undefined);
      packages.reload();
      assignments.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = (pkg: Package) => {
    if (confirm(`Delete ${pkg.name} ${pkg.version} (${pkg.platform}/${pkg.arch})?`)) {
      void run(() => api.deletePackage(pkg.id));
    }
  };
  return (
    <section>
      <h1>Packages</h1>
      {can(user, 'operator') && <PackageUpload onUploaded={packages.reload} />}
      <ErrorMessage error={error ?? packages.error} />
      <table class="table" data-testid="packages-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Version</th>
            <th>Platform</th>
            <th>Size</th>
            <th>SHA-256</th>
            <th>Signature</th>
            <th>Downloads</th>
            <th>Uploaded</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {packages.data?.length === 0 && (
            <tr>
              <td colSpan={9} class="muted">
                No packages yet.
              </td>
            </tr>
          )}
          {packages.data?.map((pkg) => (
            <tr key={pkg.id} data-package-id={pkg.id}>
              <td>
                {pkg.name}
                {pkg.description && <div class="muted small">{pkg.description}</div>}
              </td>
              <td>{pkg.version}</td>
              <td>
                {pkg.platform}/{pkg.arch}
              </td>
              <td>{size(pkg.file_size)}</td>
              <td class="mono small" title={pkg.checksum}>
                {pkg.checksum.slice(0, 12)}…
              </td>
              <td data-testid="signature-status">
                <StatusBadge value={pkg.signature_status.replace('_', ' ')} />
                {pkg.signer_fingerprint && (
                  <div class="mono small muted" title={pkg.signer_fingerprint}>
                    {pkg.signer_fingerprint.slice(-16)}
                  </div>
                )}
              </td>
              <td>{pkg.download_count}</td>
              <td>{dateTime(pkg.created_at)}</td>
              <td class="cell-actions">
                <button
                  class="small-button"
                  onClick={() =>
                    void run(() => downloadPackage(pkg.id, `${pkg.name}-${pkg.version}-${pkg.platform}-${pkg.arch}`))
                  }
                >
                  Download
                </button>
                {can(user, 'operator') && (
                  <button class="small-button" onClick={() => setAssigning({ pkg, selector: {}, hold: false })}>
                    Assign
                  </button>
                )}
                {can(user, 'admin') && (
                  <button class="small-button danger" onClick={() => remove(pkg)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {assigning && (
        <div class="card highlight">
          <h2>
            Offer {assigning.pkg.name} {assigning.pkg.version} to agents matching
          </h2>
          <KeyValueEditor
            value={assigning.selector}
            onChange={(selector) => setAssigning({ ...assigning, selector })}
            keyPlaceholder="label"
          />
          <label>
            <input
              name="hold"
              type="checkbox"
              checked={assigning.hold}
              onChange={(e) => setAssigning({ ...assigning, hold: e.currentTarget.checked })}
            />{' '}
            Hold for a staged rollout (offered to nobody until a rollout takes it to the agents)
          </label>
          <span class="actions">
            <button
              class="primary"
              onClick={() =>
                void run(() => api.assignPackage(assigning.pkg.id, assigning.selector, assigning.hold)).then(() =>
                  setAssigning(undefined),
                )
              }
            >
              Assign
            </button>
            <button onClick={() => setAssigning(undefined)}>Cancel</button>
          </span>
        </div>
      )}
      <h2>Assignments</h2>
      <table class="table">
        <thead>
          <tr>
            <th>Package</th>
            <th>Targets</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {assignments.data?.length === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                No package is offered to agents.
              </td>
            </tr>
          )}
          {assignments.data?.map((a) => (
            <tr key={a.id}>
              <td>
                {a.package_name} {a.package_version} ({a.platform}/{a.arch}){' '}
                {a.held && (
                  <span class="badge" title="Offered only to the agents a rollout reached">
                    held
                  </span>
                )}
              </td>
              <td>{a.selector ? <Labels labels={a.selector} /> : `${a.agent_ids?.length ?? 0} agents`}</td>
              <td>{dateTime(a.created_at)}</td>
              <td>
                {can(user, 'operator') && (
                  <button class="small-button" onClick={() => void run(() => api.unassignPackage(a.id))}>
                    Stop offering
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
