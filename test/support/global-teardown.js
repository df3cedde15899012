import fs from 'node:fs';

export default async function globalTeardown() {
  const state = globalThis.__testPostgres;
  if (state) {
    await state.postgres.stop();
    fs.rmSync(state.root, { recursive: true, force: true });
  }
}
