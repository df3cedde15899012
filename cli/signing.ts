import fs from 'node:fs';
import { Readable } from 'node:stream';
import { createMessage, decryptKey, readPrivateKey, sign, type PrivateKey } from 'openpgp';
import { CliError } from './errors.js';
import { ask } from './prompt.js';

/** The environment variable holding the signing key's passphrase (for CI); else it is asked on the terminal. */
export const PASSPHRASE_ENV = 'OPAMPCTL_SIGNING_PASSPHRASE';

/**
 * A detached OpenPGP signature (binary) of `file`, made with the armored private key in `keyFile`.
 * The file is read as a stream (never whole in memory).
 */
export async function signFile(file: string, keyFile: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const key = await unlockedKey(keyFile, env);
  const message = await createMessage({
    binary: Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>,
  });
  const signature: unknown = await sign({ message, signingKeys: key, detached: true, format: 'binary' });
  return collect(signature as Uint8Array | ReadableStream<Uint8Array>);
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

async function collect(value: Uint8Array | ReadableStream<Uint8Array>): Promise<Buffer> {
  if (value instanceof Uint8Array) {
    return Buffer.from(value);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of value as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
