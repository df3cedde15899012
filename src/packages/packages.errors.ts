import { DomainError } from '../common/domain-error.js';

export class PackageNotFound extends DomainError {
  constructor(what: string) {
    super('not_found', 'PackageNotFound', `Package ${what} not found`);
  }
}

export class PackageAlreadyExists extends DomainError {
  constructor(name: string, version: string, platform: string, arch: string) {
    super('conflict', 'PackageAlreadyExists', `Package ${name} ${version} for ${platform}/${arch} already exists`);
  }
}

export class PackageChecksumMismatch extends DomainError {
  constructor(expected: string, actual: string) {
    super('unprocessable', 'PackageChecksumMismatch', `checksum mismatch: expected ${expected}, received ${actual}`);
  }
}

export class PackageTooLarge extends DomainError {
  constructor(what: string, limit: number) {
    super('too_large', 'PackageTooLarge', `${what} exceeds the limit of ${limit} bytes`);
  }
}

export class InvalidPackageUpload extends DomainError {
  constructor(message: string) {
    super('invalid', 'InvalidPackageUpload', message);
  }
}

/** The row exists but its blob does not: storage was changed behind the server's back. */
export class PackageFileMissing extends DomainError {
  constructor(id: number) {
    super('unavailable', 'PackageFileMissing', `The file of package ${id} is missing from storage`);
  }
}

export class PackageAssignmentNotFound extends DomainError {
  constructor(id: number) {
    super('not_found', 'PackageAssignmentNotFound', `Package assignment ${id} not found`);
  }
}

export class InvalidPackageAssignment extends DomainError {
  constructor(message: string) {
    super('invalid', 'InvalidPackageAssignment', message);
  }
}

/** PACKAGE_SIGNATURE_POLICY=require and the signature is missing or does not check out. */
export class PackageSignatureRejected extends DomainError {
  constructor(reason: string) {
    super(
      'unprocessable',
      'PackageSignatureRejected',
      `signature refused (PACKAGE_SIGNATURE_POLICY=require): ${reason}`,
    );
  }
}

export class SigningKeyNotFound extends DomainError {
  constructor(id: number) {
    super('not_found', 'SigningKeyNotFound', `Signing key ${id} not found`);
  }
}

export class SigningKeyAlreadyExists extends DomainError {
  constructor(fingerprint: string) {
    super('conflict', 'SigningKeyAlreadyExists', `Signing key ${fingerprint} is trusted already`);
  }
}

export class InvalidSigningKey extends DomainError {
  constructor(message: string) {
    super('invalid', 'InvalidSigningKey', message);
  }
}
