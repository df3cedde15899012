import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type ValueTransformer,
} from 'typeorm';
import type { SignatureStatus } from './signing/signature-verifier.js';

/** pg returns bigint as a string; package sizes and counts stay far below 2^53. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity('packages')
export class PackageEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'varchar', length: 128 })
  version: string;

  @Column({ type: 'varchar', length: 512, collation: 'C' })
  versionSortKey: string;

  @Column({ type: 'varchar', length: 16 })
  platform: string;

  @Column({ type: 'varchar', length: 16 })
  arch: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  fileSize: number;

  /** SHA-256 of the file, lowercase hex. */
  @Column({ type: 'char', length: 64 })
  checksum: string;

  @Column({ type: 'varchar', length: 512 })
  storagePath: string;

  /** The uploaded file's name, reduced to safe characters, offered in Content-Disposition. */
  @Column({ type: 'varchar', length: 255 })
  fileName: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'boolean' })
  isActive: boolean;

  /** Detached signature uploaded with the file, passed to agents as DownloadableFile.signature. */
  @Column({ type: 'bytea', nullable: true })
  signature: Buffer | null;

  /** What the server concluded about `signature` (see SignatureStatus). */
  @Column({ type: 'varchar', length: 16 })
  signatureStatus: SignatureStatus;

  /** The trusted key that issued the signature (primary fingerprint, hex). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  signerFingerprint: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  signatureCheckedAt: Date | null;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  downloadCount: number;

  @Column({ type: 'timestamptz', nullable: true })
  lastDownloadedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
