import fs from 'node:fs';
import { generateProtoTypes, GENERATED_TYPES_PATH } from '../src/opamp/proto/proto-typegen.js';

/**
 * Writes the TypeScript types of the OpAMP messages from proto/. `--check` writes nothing and
 * fails when the checked-in file differs from what the .proto files give.
 */
function main(): void {
  const generated = generateProtoTypes();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(GENERATED_TYPES_PATH) ? fs.readFileSync(GENERATED_TYPES_PATH, 'utf8') : '';
    if (current !== generated) {
      console.error(`${GENERATED_TYPES_PATH} is stale: run \`npm run generate:proto\` and commit the result`);
      process.exit(1);
    }
    console.log(`${GENERATED_TYPES_PATH} is up to date`);
    return;
  }
  fs.writeFileSync(GENERATED_TYPES_PATH, generated);
  console.log(`Wrote ${GENERATED_TYPES_PATH}`);
}

main();
