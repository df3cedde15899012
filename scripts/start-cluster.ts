import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/app-config.js';
import { loadEnvFile } from '../src/config/env-file.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';

/**
 * `npm run start:cluster -- --instances N`: N server instances on one machine sharing one
 * PostgreSQL (DATABASE_URL, or one embedded cluster started here) and one DATA_DIR. Instance i
 * listens on HTTP_PORT+i and OPAMP_PORT+i with INSTANCE_ID cluster-i. Put a load balancer with
 * sticky WebSocket routing in front of the OpAMP ports (see docker-compose.yml).
 */
function instancesArg(argv: string[]): number {
  const i = argv.indexOf('--instances');
  const value = i >= 0 ? Number(argv[i + 1]) : 2;
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    console.error('usage: npm run start:cluster -- --instances N   (1..64)');
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const count = instancesArg(process.argv);
  loadEnvFile(); // .env in the working directory; real environment variables win
  const config = loadConfig(process.env);
  const embedded = config.databaseUrl
    ? undefined
    : new EmbeddedPostgres({
        dataDir: config.postgresDir,
        port: config.embeddedPgPort,
        logger: { log: (m) => console.log(m), warn: (m) => console.warn(m) },
      });
  const databaseUrl = config.databaseUrl ?? (await embedded!.start());
  const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [main], {
      stdio: 'inherit',
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        DATA_DIR: config.dataDir,
        HTTP_PORT: String(config.httpPort + i),
        OPAMP_PORT: String(config.opampPort + i),
        INSTANCE_ID: process.env.INSTANCE_ID ? `${process.env.INSTANCE_ID}-${i}` : `cluster-${i}`,
      },
    });
    child.on('exit', (code, signal) => console.warn(`instance ${i} exited (${signal ?? code})`));
    children.push(child);
    console.log(`instance ${i}: HTTP ${config.httpPort + i}, OpAMP ${config.opampPort + i}`);
  }
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

await main();
