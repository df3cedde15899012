import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { UserEntity } from '../../auth/user.entity.js';

/** An OpenPGP public key whose signatures on packages are trusted. */
@Entity('signing_keys')
@Unique('signing_keys_fingerprint_key', ['fingerprint'])
export class SigningKeyEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  /** Primary key fingerprint, lowercase hex (40 for v4 keys, 64 for v6). */
  @Column({ type: 'varchar', length: 64 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 16 })
  keyId: string;

  @Column({ type: 'text' })
  armoredKey: string;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  userIds: string[];

  @Column({ type: 'varchar', length: 64 })
  algorithm: string;

  @Column({ type: 'timestamptz' })
  keyCreatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'boolean', default: false })
  revoked: boolean;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey(() => UserEntity, { name: 'signing_keys_added_by_fkey', onDelete: 'SET NULL' })
  addedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
