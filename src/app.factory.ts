import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import type { EmbeddedStatusSource } from './database/database.module.js';
import { serveConsole } from './web/console-static.js';
import { OpampWsAdapter } from './opamp/opamp-ws.adapter.js';
import { createRootLogger, httpLogging } from './logging/http-logging.js';
import { PinoNestLogger } from './logging/pino-nest-logger.js';

/** Builds the OpenAPI document of a created app (also written to openapi.json by `npm run openapi`). */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OpAMP Platform API')
    .setDescription(
      'Manage fleets of OpAMP agents: inventory, configurations, packages. List endpoints return ' +
        'JSON arrays with X-Total-Count, X-Page and X-Page-Size headers.',
    )
    .setVersion('1.0.0')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Creates the HTTP application with every global concern wired: logging, validation, errors, security headers, docs. */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  embeddedStatus?: EmbeddedStatusSource,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl, embeddedStatus), {
    bufferLogs: true,
  });
  const rootLogger = createRootLogger(config.logLevel);
  const logger = new PinoNestLogger(rootLogger);
  app.useLogger(logger);
  app.use(httpLogging(rootLogger));
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Swagger UI and the console use inline styles; scripts stay same-origin. Helmet's default
        // upgrade-insecure-requests would make browsers fetch the assets of a plain-HTTP console over
        // https from any host but localhost (a blank page): TLS is the proxy's business, not the CSP's.
        directives: {
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.enableCors(config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: true } : { origin: false });
  app.useBodyParser('json', { limit: '2mb' });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  // One adapter for every gateway: WsAdapter's for the API port, OpAMP's binary fast path on its own port.
  app.useWebSocketAdapter(new OpampWsAdapter(app));
  // Swagger UI's page answered at /swagger/index.html links its assets one level too deep (blank
  // page); the same page at /swagger/ links them right. A relative redirect also works behind a path prefix.
  app.use('/swagger/index.html', (_req: Request, res: Response) => res.redirect(301, './'));
  SwaggerModule.setup('swagger', app, () => buildOpenApi(app), { jsonDocumentUrl: 'swagger/json' });
  if (!serveConsole(app)) {
    logger.warn('No web console build in web/dist (run `npm run build:web`); serving the API only');
  }
  return app;
}
