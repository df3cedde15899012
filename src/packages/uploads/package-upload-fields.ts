import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { UploadPackageFields } from '../dto/package.dto.js';
import { InvalidPackageUpload } from '../packages.errors.js';

/** The Upload-Metadata keys read as package fields (the multipart upload's names); others (filetype, ...) are ignored. */
const FIELD_NAMES = ['name', 'version', 'platform', 'arch', 'description', 'checksum', 'signature'] as const;

/** Validates tus Upload-Metadata as the multipart fields are validated; throws InvalidPackageUpload naming each problem. */
export async function packageFieldsFromMetadata(
  metadata: Record<string, string | null> | undefined,
): Promise<UploadPackageFields> {
  const plain: Record<string, string> = {};
  for (const name of FIELD_NAMES) {
    const value = metadata?.[name];
    if (typeof value === 'string') {
      plain[name] = value;
    }
  }
  const fields = plainToInstance(UploadPackageFields, plain);
  const errors = await validate(fields, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const messages = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map((m) => `${m} (Upload-Metadata "${e.property}")`),
    );
    throw new InvalidPackageUpload(messages.join('; '));
  }
  return fields;
}
