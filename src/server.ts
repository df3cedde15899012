import type { NestExpressApplication } from '@nestjs/platform-express';
import pino from 'pino';
import { createApp } from './app.factory.js';
import { localHost } from './common/listen-address.js';
import type { AppConfig } from './config/app-config.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';

/** A running platform: the Nest app plus, on embedded defaults, its PostgreSQL. */
export interface RunningServer {
  app: NestExpressApplication;
  httpUrl: string;
  /** The OpAMP endpoint (WebSocket and HTTP) agents connect to. */
  opampUrl: string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL when no DATABASE_URL is set, then the app; stop() closes both, in that order. */
export async function startServer(config: AppConfig): Promise<RunningServer> {
  const log = pino({ level: config.logLevel, name: 'bootstrap' });
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = new EmbeddedPostgres({
      dataDir: config.postgresDir,
      port: config.embeddedPgPort,
      maxRestarts: config.embeddedPgMaxRestarts,
      logger: { log: (m) => log.info(m), warn: (m) => log.warn(m) },
      // Serving 500s forever helps nobody: exit so a supervisor (systemd, Docker, Kubernetes) starts us anew.
      onGiveUp: (error) => {
        log.fatal({ err: error }, 'Embedded PostgreSQL is gone and could not be restarted; exiting');
        process.exit(1);
      },
    });
    databaseUrl = await embedded.start();
    log.info('Embedded PostgreSQL is up');
  }
  let app: NestExpressApplication;
  try {
    app = await createApp(config, databaseUrl, embedded && (() => embedded.status));
    await app.listen(config.httpPort, config.httpHost);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  let stopping: Promise<void> | undefined;
  return {
    app,
    httpUrl: `http://${localHost(config.httpHost)}:${address.port}`,
    opampUrl: config.opampUrl,
    stop: () =>
      (stopping ??= (async () => {
        try {
          await app.close();
        } finally {
          await embedded?.stop();
        }
      })()),
  };
}
