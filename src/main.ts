import 'reflect-metadata';
import pino from 'pino';
import { ConfigValidationError, loadConfig } from './config/app-config.js';
import { startServer } from './server.js';

const log = pino({ name: 'main' });

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const server = await startServer(config);
  log.info(`HTTP API on ${server.httpUrl} (Swagger UI at ${server.httpUrl}/swagger); OpAMP on ${server.opampUrl}`);
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
