import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type ValueTransformer,
} from 'typeorm';
import { UserEntity } from '../auth/user.entity.js';
import type { SignatureStatus } from './signing/signature-verifier.js';

/** pg returns bigint as a string; package sizes and counts stay far below 2^53. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity('packages')
@Check('packages_file_size_check', `file_size >= 0`)
@Index('packages_storage_path_key', ['storagePath'], { unique: true })
// One package per name (whatever its case), version, platform and arch, listed by name and semver
// precedence: on lower(name) and a DESC column, which TypeORM cannot state.
@Index('packages_name_version_platform_arch_key', { synchronize: false })
@Index('packages_name_sort_idx', { synchronize: false })
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

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'boolean', default: true })
  isActive: boolean;

  /** Detached signature uploaded with the file, passed to agents as DownloadableFile.signature. */
  @Column({ type: 'bytea', nullable: true })
  signature: Buffer | null;

  /** What the server concluded about `signature` (see SignatureStatus). */
  @Column({ type: 'varchar', length: 16, default: 'unsigned' })
  signatureStatus: SignatureStatus;

  /** The trusted key that issued the signature (primary fingerprint, hex). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  signerFingerprint: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  signatureCheckedAt: Date | null;

  @Column({ type: 'bigint', transformer: bigintAsNumber, default: 0 })
  downloadCount: number;

  @Column({ type: 'timestamptz', nullable: true })
  lastDownloadedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey(() => UserEntity, { name: 'packages_created_by_fkey', onDelete: 'SET NULL' })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
