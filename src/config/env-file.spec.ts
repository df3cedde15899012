import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEnvFile } from './env-file.js';

describe('loadEnvFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-file-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sets what the file says, real environment variables winning', () => {
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, '# comment\nHTTP_PORT=9090\nLOG_LEVEL=debug\nEMPTY=\nQUOTED="a b"\n');
    const sut: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn' };
    expect(loadEnvFile(file, sut).sort()).toEqual(['EMPTY', 'HTTP_PORT', 'QUOTED']);
    expect(sut).toEqual({ LOG_LEVEL: 'warn', HTTP_PORT: '9090', EMPTY: '', QUOTED: 'a b' });
  });

  it('does nothing without a file', () => {
    const sut: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(path.join(dir, 'missing.env'), sut)).toEqual([]);
    expect(sut).toEqual({});
  });
});
