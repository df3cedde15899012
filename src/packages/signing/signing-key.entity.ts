import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An OpenPGP public key whose signatures on packages are trusted. */
@Entity('signing_keys')
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

  @Column({ type: 'text', array: true })
  userIds: string[];

  @Column({ type: 'varchar', length: 64 })
  algorithm: string;

  @Column({ type: 'timestamptz' })
  keyCreatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'boolean' })
  revoked: boolean;

  @Column({ type: 'uuid', nullable: true })
  addedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
