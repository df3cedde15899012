import { CliError } from './errors.js';

/** Reads all of stdin (for `--password-stdin`), without the trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal; `secret` reads in raw mode and echoes nothing. */
export function ask(question: string, secret = false): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    throw new CliError('no terminal to ask on: pass --username and --password-stdin');
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) {
        reject(error);
      } else {
        resolve(answer);
      }
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish(new CliError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (answer.length > 0) {
            answer = answer.slice(0, -1);
            if (!secret) {
              process.stderr.write('\b \b');
            }
          }
          continue;
        }
        answer += ch;
        if (!secret) {
          process.stderr.write(ch);
        }
      }
    };
    input.on('data', onData);
  });
}
