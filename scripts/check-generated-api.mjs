// Fails when web/src/generated/api-schema.ts is not what `npm run generate:api` makes of the
// checked-in openapi.json (the console's API types would then drift from the server's).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TARGET = 'web/src/generated/api-schema.ts';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-schema-'));
try {
  const fresh = path.join(dir, 'api-schema.ts');
  execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', 'openapi.json', '-o', fresh], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const current = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : '';
  if (current !== fs.readFileSync(fresh, 'utf8')) {
    console.error(`${TARGET} is stale: run \`npm run generate:api\` and commit the result`);
    process.exit(1);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
