import 'reflect-metadata';
import fs from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { buildOpenApi } from '../src/app.factory.js';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/app-config.js';

/**
 * Writes openapi.json from the controllers' metadata. Preview mode builds the module graph without
 * instantiating providers, so no database is needed. `--check` fails when the file is stale.
 */
async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await NestFactory.create(AppModule.forRoot(config, 'postgres://unused@127.0.0.1:1/none'), {
    preview: true,
    logger: false,
  });
  const document = `${JSON.stringify(buildOpenApi(app), null, 2)}\n`;
  await app.close();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync('openapi.json') ? fs.readFileSync('openapi.json', 'utf8') : '';
    if (current !== document) {
      console.error('openapi.json is stale: run `npm run openapi` and commit the result');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync('openapi.json', document);
  console.log('Wrote openapi.json');
}

await main();
