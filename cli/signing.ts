import fs from 'node:fs';
import { Readable } from 'node:stream';
import { createMessage, decryptKey, readPrivateKey, sign, type PrivateKey } from 'openpgp';
import { CliError } from './errors.js';
import { ask } from './prompt.js';

/** The environment variable holding the signing key's passphrase (for CI); else it is asked on the terminal. */
export const PASSPHRASE_ENV = 'OPAMPCTL_SIGNING_PASSPHRASE';

/**
 * A detached, armored OpenPGP signature of `file`, made with the armored private key in `keyFile`.
 * The file is read as a stream (never whole in memory).
 */
export async function signFile(file: string, keyFile: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const key = await unlockedKey(keyFile, env);
  const message = await createMessage({
    binary: Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>,
  });
  const signature = await sign({ message, signingKeys: key, detached: true, format: 'armored' });
  return streamToString(signature);
}

async function unlockedKey(keyFile: string, env: NodeJS.ProcessEnv): Promise<PrivateKey> {
  let armored: string;
  try {
    armored = fs.readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read signing key ${keyFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let key: PrivateKey;
  try {
    key = await readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new CliError(`${keyFile} is not an armored OpenPGP private key: ${(error as Error).message}`);
  }
  if (key.isDecrypted()) {
    return key;
  }
  const passphrase = env[PASSPHRASE_ENV] ?? (await askPassphrase(keyFile));
  try {
    return await decryptKey({ privateKey: key, passphrase });
  } catch {
    throw new CliError(`wrong passphrase for signing key ${keyFile}`);
  }
}

function askPassphrase(keyFile: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError(`signing key ${keyFile} is protected: set ${PASSPHRASE_ENV} or run in a terminal`);
  }
  return ask(`Passphrase for ${keyFile}: `, true);
}

async function streamToString(value: string | ReadableStream<string>): Promise<string> {
  if (typeof value === 'string') {
    return value;
  }
  let text = '';
  for await (const chunk of value as unknown as AsyncIterable<string>) {
    text += chunk;
  }
  return text;
}
