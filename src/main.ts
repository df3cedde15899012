import 'reflect-metadata';
import pino from 'pino';
import { appVersion } from './common/app-version.js';
import { ConfigValidationError, loadConfig } from './config/app-config.js';
import { loadEnvFile } from './config/env-file.js';
import { startServer } from './server.js';
import { formatBanner, startupBanner } from './startup-banner.js';

const log = pino({ name: 'main' });

async function main(): Promise<void> {
  // .env in the working directory, under whatever the environment already says.
  const fromEnvFile = loadEnvFile();
  const config = loadConfig(process.env);
  const server = await startServer(config);
  const banner = startupBanner(config, Number(new URL(server.httpUrl).port), Number(new URL(server.opampUrl).port));
  const version = appVersion();
  log.info(
    { ...banner, env_file: fromEnvFile.length > 0 ? fromEnvFile : undefined },
    `OpAMP Platform ${version} is ready`,
  );
  if (process.stdout.isTTY) {
    process.stdout.write(`\n${formatBanner(banner, version)}\n\n`);
  }
  let signalled = false;
  const shutdown = (signal: string): void => {
    if (signalled) {
      return;
    }
    signalled = true;
    log.info(`${signal} received; shutting down`);
    const force = setTimeout(() => {
      log.error('Shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    log.fatal(error.message);
  } else {
    log.fatal({ err: error }, 'Start failed');
  }
  process.exit(1);
});
