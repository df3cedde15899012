import { useState } from 'preact/hooks';
import { uploadPackage, type Package, type PackageArch } from '../api.js';

/** The architectures the API accepts (its enum; the generated type keeps this list honest). */
const ARCHES: readonly PackageArch[] = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x', 'riscv64', 'loong64'];

/** Upload form: the file and its metadata, with a progress bar fed by the XHR upload events. */
export function PackageUpload({ onUploaded }: { onUploaded: (pkg: Package) => void }) {
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    // Checked before any byte is sent: a refusal after a 2 GB upload is a poor way to learn of a typo.
    if (!form.reportValidity()) {
      return;
    }
    setError(undefined);
    setDone(undefined);
    setProgress(0);
    uploadPackage(new FormData(form), setProgress).then(
      (pkg) => {
        setDone(`Uploaded ${pkg.name} ${pkg.version} (${pkg.platform}/${pkg.arch})`);
        form.reset();
        onUploaded(pkg);
      },
      (e: Error) => {
        setError(e.message);
        setProgress(undefined);
      },
    );
  };
  const uploading = progress !== undefined && progress < 1 && !error;
  return (
    <form class="card" onSubmit={submit} data-testid="package-upload">
      <h2>Upload a package</h2>
      <div class="row wrap">
        <label>
          File
          <input type="file" name="file" required />
        </label>
        <label>
          Name
          <input name="name" required placeholder="otelcol-contrib" />
        </label>
        <label>
          Version
          <input name="version" required placeholder="0.115.0" />
        </label>
        <label>
          Platform
          <select name="platform">
            <option>linux</option>
            <option>windows</option>
            <option>darwin</option>
          </select>
        </label>
        <label>
          Arch
          <select name="arch" required>
            {ARCHES.map((arch) => (
              <option key={arch}>{arch}</option>
            ))}
          </select>
        </label>
        <label class="grow">
          Description
          <input name="description" />
        </label>
      </div>
      {progress !== undefined && (
        <div class="upload-progress">
          <progress max={1} value={progress} data-testid="upload-progress" />
          <span>{Math.round(progress * 100)} %</span>
        </div>
      )}
      {error && (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      {done && <p class="info-box">{done}</p>}
      <button type="submit" class="primary" disabled={uploading}>
        Upload
      </button>
    </form>
  );
}
