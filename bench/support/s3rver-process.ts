import fs from 'node:fs';
import S3rver from 's3rver';
import { addMultipartListing } from './s3rver-multipart.js';

/**
 * s3rver in a process of its own (so its memory is not counted as the server's), on 127.0.0.1 and
 * a free port, storing in the directory given as argv[2]. Prints `{"port":N}` once listening.
 */
const directory = process.argv[2];
fs.mkdirSync(directory, { recursive: true });
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
addMultipartListing(server);
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
