import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/common/free-port.js';
import { ADMIN_PASSWORD } from './test-app.js';

export interface SpawnedInstance {
  process: ChildProcess;
  url: string;
  opampUrl: string;
  /** Everything it wrote to stdout and stderr so far (its logs). */
  output(): string;
  /** SIGKILL: no shutdown hooks, the way a crash or an OOM kill ends it. */
  kill(): Promise<void>;
}

/** Waits until the process is gone or a zombie (inside Jest the 'exit' event does not always arrive). */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state === 'Z' || state === 'X') {
        return;
      }
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} did not die`);
}

/** The built server (`dist/src/main.js`) as a separate process, for tests that must kill it. */
export async function spawnInstance(env: Record<string, string>): Promise<SpawnedInstance> {
  const [httpPort, opampPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opamp-spawned-'));
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      OPAMP_PORT: String(opampPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ADMIN_PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`instance exited with ${child.exitCode}: ${stderr}`);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance did not become healthy: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    process: child,
    url,
    opampUrl: `http://127.0.0.1:${opampPort}/v1/opamp`,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await gone(child.pid!);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
