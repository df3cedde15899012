import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Connection } from './api.js';
import { errorMessage, ApiError, unreachable } from './api.js';
import { CliError } from './errors.js';

export interface UploadRequest {
  file: string;
  fields: Record<string, string | undefined>;
  signatureFile?: string;
}

/**
 * POSTs a package as multipart/form-data, reading the file as a stream (never whole in memory),
 * with an exact Content-Length. Text fields and the signature go first so the server knows the
 * package before the bytes arrive. `onProgress` gets the file bytes sent so far.
 */
export async function uploadPackage(
  connection: Connection,
  upload: UploadRequest,
  onProgress: (sent: number, total: number) => void,
): Promise<unknown> {
  const size = fileSize(upload.file, 'package file');
  const boundary = `----opampctl-${crypto.randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(upload.fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join('');
  const signature = upload.signatureFile ? readSignature(upload.signatureFile) : undefined;
  const signaturePart = signature
    ? Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="signature"; filename="${path.basename(upload.signatureFile!)}"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        ),
        signature,
        Buffer.from('\r\n'),
      ])
    : Buffer.alloc(0);
  const fileHead = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(upload.file).replace(/"/g, '')}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const head = Buffer.concat([Buffer.from(fieldParts), signaturePart, fileHead]);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);

  const url = new URL('/api/v1/packages', connection.server + '/');
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: {
          ...(connection.token ? { Authorization: `Bearer ${connection.token}` } : {}),
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(head.length + size + tail.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (a proxy's error page): keep the text for the message.
          }
          if (status >= 200 && status < 300) {
            resolve(body);
          } else {
            reject(new ApiError(status, errorMessage(status, body)));
          }
        });
      },
    );
    let settled = false;
    const fail = (error: unknown): void => {
      // The server may answer (401, 413) and close before the body is sent: its answer wins.
      setTimeout(() => {
        if (!settled) {
          settled = true;
          reject(
            error instanceof CliError
              ? error
              : unreachable(Object.assign(new Error('upload failed'), { cause: error })),
          );
        }
      }, 1000).unref();
    };
    request.on('error', fail);
    request.on('response', (response) => response.on('end', () => (settled = true)));
    let sent = 0;
    pipeline(
      fs.createReadStream(upload.file),
      async function* (source: AsyncIterable<Buffer>) {
        yield head;
        for await (const chunk of source) {
          sent += chunk.length;
          onProgress(sent, size);
          yield chunk;
        }
        yield tail;
      },
      request,
    ).catch(fail);
  });
}

function fileSize(file: string, what: string): number {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      throw new CliError(`${what} ${file} is not a regular file`);
    }
    return stat.size;
  } catch (error) {
    if (error instanceof CliError) {
      throw error;
    }
    throw new CliError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function readSignature(file: string): Buffer {
  const size = fileSize(file, 'signature file');
  if (size > 64 * 1024) {
    throw new CliError(`signature file ${file} is larger than 64 KiB`);
  }
  return fs.readFileSync(file);
}
