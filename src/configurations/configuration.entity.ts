import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RolloutPolicy } from './rollout-policy.js';
import type { Selector } from './selector.js';

@Entity('configurations')
@Check('configurations_content_type_check', `content_type IN ('text/yaml', 'application/json', 'text/plain')`)
@Check('configurations_version_check', `version >= 1`)
// Live names are unique whatever their case, and listed by name: on lower(name), which TypeORM cannot state.
@Index('configurations_name_key', { synchronize: false })
@Index('configurations_name_idx', { synchronize: false })
export class ConfigurationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'text' })
  rawConfig: string;

  @Column({ type: 'varchar', length: 64 })
  contentType: string;

  /** The AgentConfigMap key the body is sent under. */
  @Column({ type: 'varchar', length: 255, default: '' })
  fileName: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  selector: Selector;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'boolean', default: true })
  autoPush: boolean;

  @Column({ type: 'integer' })
  version: number;

  /** SHA-256 hex of the AgentConfigMap (see configMapHash). */
  @Column({ type: 'char', length: 64 })
  configHash: string;

  /**
   * The version assigned agents are offered. It follows `version` when a save is released at once
   * (auto push, no rollout policy); otherwise it moves on an explicit push or a finished rollout.
   */
  @Column({ type: 'integer' })
  releasedVersion: number;

  @Column({ type: 'char', length: 64 })
  releasedConfigHash: string;

  /** Set: a new version starts a rollout with this plan instead of going to every agent. */
  @Column({ type: 'jsonb', nullable: true })
  rolloutPolicy: RolloutPolicy | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  updatedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  /** Deleted configurations stay as rows so their history remains readable. */
  @Column({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  deletedBy: string | null;
}
