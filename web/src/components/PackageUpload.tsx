import { useRef, useState } from 'preact/hooks';
import { Upload, type DetailedError } from 'tus-js-client';
import { api, authHeaders, type Package, type PackageArch } from '../api.js';

/** The architectures the API accepts (its enum; the generated type keeps this list honest). */
const ARCHES: readonly PackageArch[] = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x', 'riscv64', 'loong64'];

type State = 'idle' | 'uploading' | 'paused' | 'done' | 'error';

interface Progress {
  sent: number;
  total: number;
  /** Bytes per second over the last few seconds. */
  speed: number;
}

const FIELDS = ['name', 'version', 'platform', 'arch', 'description'] as const;

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

function remaining(p: Progress): string {
  if (p.speed <= 0) {
    return '…';
  }
  const seconds = Math.round((p.total - p.sent) / p.speed);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}

/** The server's message from a refused tus request (JSON error body), else the client's own. */
function messageOf(error: Error): string {
  const response = (error as DetailedError).originalResponse;
  try {
    const body = JSON.parse(response?.getBody() ?? '') as { message?: string };
    if (body.message) {
      return body.message;
    }
  } catch {
    // Not JSON: fall back to the client's message.
  }
  return response ? `Upload refused (${response.getStatus()})` : error.message;
}

/**
 * Resumable upload (tus): drop a file or pick one, fill in the fields, and watch speed and time
 * left; pause and resume at will. tus-js-client remembers unfinished uploads in localStorage, so
 * after a page reload choosing the same file again resumes where the server stands.
 */
export function PackageUpload({ onUploaded }: { onUploaded: (pkg: Package) => void }) {
  const [file, setFile] = useState<File>();
  const [state, setState] = useState<State>('idle');
  const [progress, setProgress] = useState<Progress>();
  const [message, setMessage] = useState<string>();
  const [dragging, setDragging] = useState(false);
  const upload = useRef<Upload | undefined>(undefined);
  const samples = useRef<Array<[number, number]>>([]);

  const onProgress = (sent: number, total: number) => {
    const now = Date.now();
    samples.current = [...samples.current.filter(([t]) => now - t < 5000), [now, sent]];
    const [t0, s0] = samples.current[0];
    const speed = now > t0 ? ((sent - s0) * 1000) / (now - t0) : 0;
    setProgress({ sent, total, speed });
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    // Checked before any byte is sent: a refusal after a 2 GB upload is a poor way to learn of a typo.
    if (!form.reportValidity()) {
      return;
    }
    if (!file) {
      setState('error');
      setMessage('Choose or drop a file first');
      return;
    }
    const data = new FormData(form);
    const metadata: Record<string, string> = { filename: file.name };
    for (const name of FIELDS) {
      const entry = data.get(name);
      const value = typeof entry === 'string' ? entry.trim() : '';
      if (value) {
        metadata[name] = value;
      }
    }
    samples.current = [];
    const started = new Upload(file, {
      endpoint: '/api/v1/uploads',
      headers: authHeaders(),
      metadata,
      chunkSize: 64 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      onProgress,
      onError: (error) => {
        setState('error');
        setMessage(messageOf(error));
      },
      onSuccess: ({ lastResponse }) => {
        const id = Number(lastResponse.getHeader('Upload-Package-Id'));
        setProgress((p) => (p ? { ...p, sent: p.total } : p));
        setState('done');
        setMessage(`Uploaded ${metadata.name} ${metadata.version} (${metadata.platform}/${metadata.arch})`);
        form.reset();
        setFile(undefined);
        void api.package(id).then(onUploaded, () => undefined);
      },
    });
    upload.current = started;
    setState('uploading');
    setMessage(undefined);
    setProgress({ sent: 0, total: file.size, speed: 0 });
    void started.findPreviousUploads().then((previous) => {
      if (previous.length > 0) {
        started.resumeFromPreviousUpload(previous[0]);
        setMessage('Resuming an earlier upload of this file');
      }
      started.start();
    });
  };

  const pause = () => {
    void upload.current?.abort();
    setState('paused');
  };
  const resume = () => {
    samples.current = [];
    upload.current?.start();
    setState('uploading');
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer?.files[0];
    if (dropped) {
      setFile(dropped);
    }
  };

  return (
    <form
      class={`card${dragging ? ' highlight' : ''}`}
      onSubmit={submit}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={drop}
      data-testid="package-upload"
    >
      <h2>Upload a package</h2>
      <p class="muted small">
        Drop a file here or choose one. Uploads resume after a lost connection, a pause or a page reload (choose the
        same file again).
      </p>
      <div class="row wrap">
        <label>
          File
          <input type="file" name="file" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
          {file && <span class="muted small">{`${file.name}, ${bytes(file.size)}`}</span>}
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
      {progress && (
        <div class="upload-progress">
          <progress max={1} value={progress.total ? progress.sent / progress.total : 1} data-testid="upload-progress" />
          <span>
            {Math.round((progress.total ? progress.sent / progress.total : 1) * 100)} % · {bytes(progress.sent)} of{' '}
            {bytes(progress.total)}
            {state === 'uploading' && ` · ${bytes(progress.speed)}/s · ${remaining(progress)} left`}
          </span>
        </div>
      )}
      {message && (
        <p class={state === 'error' ? 'error-box' : 'info-box'} role={state === 'error' ? 'alert' : undefined}>
          {message}
        </p>
      )}
      <span class="actions">
        <button type="submit" class="primary" disabled={state === 'uploading' || state === 'paused'}>
          Upload
        </button>
        {state === 'uploading' && (
          <button type="button" onClick={pause}>
            Pause
          </button>
        )}
        {state === 'paused' && (
          <button type="button" onClick={resume}>
            Resume
          </button>
        )}
      </span>
    </form>
  );
}
