import fs from 'node:fs';
import path from 'node:path';
import type S3rver from 's3rver';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}

interface S3rverInternals {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
}

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/**
 * s3rver 3.7 implements multipart uploads but not ListParts or AbortMultipartUpload, which a
 * resumable S3 store needs to learn where an upload stands after a restart and to remove it.
 * This adds both, answered from the parts s3rver keeps on disk (`<uploads>/<uploadId>/<n>` and
 * `<n>.md5`), so the upload itself still runs through s3rver's own code.
 */
export function addMultipartListing(server: S3rver): void {
  const internals = server as unknown as S3rverInternals;
  internals.middleware.unshift(async (ctx, next) => {
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    const uploadId = ctx.query.uploadId;
    if (!match || typeof uploadId !== 'string' || !/^[0-9a-f]+$/.test(uploadId) || 'partNumber' in ctx.query) {
      await next();
      return;
    }
    const [, bucket, key] = match;
    const dir = path.join(internals.store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    if (!fs.existsSync(dir)) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = xmlError('NoSuchUpload', 'The specified upload does not exist.');
      return;
    }
    if (ctx.method === 'DELETE') {
      await fs.promises.rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method !== 'GET') {
      await next();
      return;
    }
    const numbers = (await fs.promises.readdir(dir))
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
    const parts = await Promise.all(
      numbers.map(async (n) => {
        const stat = await fs.promises.stat(path.join(dir, String(n)));
        const md5 = await fs.promises.readFile(path.join(dir, `${n}.md5`), 'utf8');
        return (
          `<Part><PartNumber>${n}</PartNumber><LastModified>${stat.mtime.toISOString()}</LastModified>` +
          `<ETag>"${md5.trim()}"</ETag><Size>${stat.size}</Size></Part>`
        );
      }),
    );
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId>` +
      `<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${numbers.at(-1) ?? 0}</NextPartNumberMarker>` +
      `<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`;
  });
}
