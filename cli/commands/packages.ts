import type { Command } from 'commander';
import fs from 'node:fs';
import { call, type Schemas } from '../api.js';
import { CliError } from '../errors.js';
import { out, outputOption, printData, printList, type Column, type OutputFormat } from '../output.js';
import { ProgressBar } from '../progress.js';
import { examples, readAll, session } from '../session.js';
import { PASSPHRASE_ENV, signFile } from '../signing.js';
import { fetchPackage, uploadPackage } from '../upload.js';

type Package = Schemas['PackageResponse'];

const COLUMNS: Column<Package>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'name', value: (p) => p.name },
  { header: 'version', value: (p) => p.version },
  { header: 'platform', value: (p) => p.platform },
  { header: 'arch', value: (p) => p.arch },
  { header: 'size', value: (p) => p.file_size },
  { header: 'signed', value: (p) => p.has_signature },
  { header: 'downloads', value: (p) => p.download_count },
  { header: 'sha256', value: (p) => p.checksum.slice(0, 12) },
];

interface UploadOptions {
  name: string;
  version: string;
  platform: string;
  arch: string;
  description?: string;
  checksum?: string;
  signature?: string;
  sign?: string;
  output: OutputFormat;
}

/** A signature file's bytes as base64 (Upload-Metadata text; the server reads armored or binary signatures). */
function signatureText(file: string): string {
  let bytes: Buffer;
  try {
    if (fs.statSync(file).size > 64 * 1024) {
      throw new CliError(`signature file ${file} is larger than 64 KiB`);
    }
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof CliError) {
      throw error;
    }
    throw new CliError(`cannot read signature file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return bytes.toString('base64');
}

export function registerPackages(program: Command): void {
  const packages = program.command('packages').description('Agent packages');

  examples(
    packages
      .command('list')
      .description('List packages, by name and then newest version first')
      .option('--name <name>', 'only this package name')
      .option('--platform <platform>', 'linux, windows or darwin')
      .option('--arch <arch>', 'amd64, arm64, ...')
      .addOption(outputOption())
      .action(
        async (
          options: { name?: string; platform?: string; arch?: string; output: OutputFormat },
          command: Command,
        ) => {
          const { client } = session(command);
          const items = await readAll((page, page_size) =>
            call(
              client.GET('/api/v1/packages', {
                params: {
                  query: {
                    page,
                    page_size,
                    name: options.name,
                    platform: options.platform as never,
                    arch: options.arch as never,
                  },
                },
              }),
            ),
          );
          printList(items, COLUMNS, options.output);
        },
      ),
    ['opampctl packages list', 'opampctl packages list --name otelcol-contrib --platform linux -o json'],
  );

  examples(
    packages
      .command('upload <file>')
      .description(
        'Upload a package file, resumable: streamed from disk, a progress bar on stderr when it is a terminal; ' +
          'after an interruption, run the same command again to send only what the server lacks',
      )
      .requiredOption('--name <name>', 'package name')
      .requiredOption('--version <semver>', 'semantic version')
      .requiredOption('--platform <platform>', 'linux, windows or darwin')
      .requiredOption('--arch <arch>', 'amd64, arm64, 386, arm, ppc64le, s390x, riscv64 or loong64')
      .option('--description <text>', 'free text')
      .option('--checksum <sha256>', 'expected SHA-256 (hex); the server refuses a mismatch and keeps nothing')
      .option('--signature <file>', 'detached OpenPGP signature file (armored or binary) to store with the package')
      .option(
        '--sign <key-file>',
        `sign the file with this armored OpenPGP private key (detached signature); passphrase from ${PASSPHRASE_ENV} or asked`,
      )
      .addOption(outputOption())
      .action(async (file: string, options: UploadOptions, command: Command) => {
        const { connection } = session(command);
        if (options.sign && options.signature) {
          throw new CliError('give --sign or --signature, not both');
        }
        const signature = options.sign
          ? (await signFile(file, options.sign)).toString('base64')
          : options.signature
            ? signatureText(options.signature)
            : undefined;
        const bar = new ProgressBar(`${options.name} ${options.version}`);
        const id = await uploadPackage(
          connection,
          {
            file,
            fields: {
              name: options.name,
              version: options.version,
              platform: options.platform,
              arch: options.arch,
              description: options.description,
              checksum: options.checksum,
              signature,
            },
          },
          {
            onProgress: (sent, total) => bar.update(sent, total),
            onResume: (offset, total) =>
              process.stderr.write(`Resuming an earlier upload of ${file} at byte ${offset} of ${total}\n`),
          },
        ).finally(() => bar.done());
        const result = await fetchPackage<Package>(connection, id);
        if (options.output === 'table') {
          out(
            `Uploaded ${result.name} ${result.version} ${result.platform}/${result.arch}: id ${result.id}, ` +
              `sha256 ${result.checksum}, signature ${result.signature_status}`,
          );
        } else {
          printData(result, options.output);
        }
      }),
    [
      'opampctl packages upload ./otelcol_0.115.0_linux_amd64.tar.gz --name otelcol --version 0.115.0 --platform linux --arch amd64',
      'opampctl packages upload agent.tgz --name agent --version 1.2.0 --platform linux --arch arm64 --signature agent.tgz.asc',
      `${PASSPHRASE_ENV}=... opampctl packages upload agent.tgz --name agent --version 1.2.0 --platform linux --arch arm64 --sign release-key.asc`,
    ],
  );
}
