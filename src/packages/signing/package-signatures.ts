import { Injectable, Logger } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AppConfig, type SignaturePolicy } from '../../config/app-config.js';
import { PackageSignatureRejected } from '../packages.errors.js';
import { SignatureDigests } from './signature-digests.js';
import { checkSignature, documentSignatures, parseSignature, type SignatureCheck } from './signature-verifier.js';
import { SigningKeysService } from './signing-keys.service.js';

/** Applies PACKAGE_SIGNATURE_POLICY to uploaded files: plans the digests, checks, refuses. */
@Injectable()
export class PackageSignatures {
  private readonly logger = new Logger(PackageSignatures.name);

  constructor(
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
  ) {}

  get policy(): SignaturePolicy {
    return this.config.packageSignaturePolicy;
  }

  /**
   * What to hash while a file streams. `signature` is the detached signature when it is already
   * known, null when the upload is known to be unsigned, undefined when it may still come.
   */
  async plan(signature: Buffer | null | undefined): Promise<SignatureDigests> {
    if (this.policy === 'off' || signature === null) {
      return SignatureDigests.checksumOnly();
    }
    if (signature === undefined) {
      return SignatureDigests.forLaterSignature();
    }
    const parsed = await parseSignature(signature);
    return parsed ? SignatureDigests.forSignatures(documentSignatures(parsed)) : SignatureDigests.checksumOnly();
  }

  /**
   * Concludes on a file's signature from the digests computed while it streamed. `reread` opens
   * the stored file, used only when the digest the signature needs was not computed (a salted v6
   * signature or an unusual digest sent after the file, or a signature added later).
   * Throws PackageSignatureRejected when the policy requires a valid signature.
   */
  async judge(
    signature: Buffer | null,
    digests: SignatureDigests,
    reread: () => Promise<Readable>,
  ): Promise<SignatureCheck> {
    const result = await this.conclude(signature, digests, reread);
    if (this.policy === 'require' && result.status !== 'valid') {
      throw new PackageSignatureRejected(result.detail);
    }
    if (this.policy === 'warn' && result.status !== 'valid' && result.status !== 'unsigned') {
      this.logger.warn({ status: result.status, detail: result.detail }, 'Package signature did not check out');
    }
    return result;
  }

  private async conclude(
    signature: Buffer | null,
    digests: SignatureDigests,
    reread: () => Promise<Readable>,
  ): Promise<SignatureCheck> {
    if (!signature || signature.length === 0) {
      return { status: 'unsigned', signerFingerprint: null, detail: 'the upload carries no signature' };
    }
    if (this.policy === 'off') {
      return { status: 'unchecked', signerFingerprint: null, detail: 'PACKAGE_SIGNATURE_POLICY=off' };
    }
    const parsed = await parseSignature(signature);
    if (!parsed) {
      return { status: 'invalid', signerFingerprint: null, detail: 'the signature is not an OpenPGP signature' };
    }
    const trusted = await this.keys.trusted();
    const streamed = await checkSignature(parsed, trusted, digests);
    if (streamed) {
      return streamed;
    }
    const again = SignatureDigests.forSignatures(documentSignatures(parsed));
    for await (const chunk of await reread()) {
      again.update(chunk as Buffer);
    }
    return (
      (await checkSignature(parsed, trusted, again)) ?? {
        status: 'invalid',
        signerFingerprint: null,
        detail: 'the signature uses an unsupported packet version or digest',
      }
    );
  }
}
