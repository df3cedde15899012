import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RolloutPolicy } from '../rollout-policy.js';

/**
 * A default rollout policy by label. Read and written with SQL (DefaultRolloutPoliciesRepository);
 * declared here so the schema test holds the migrations to it.
 */
@Entity('default_rollout_policies')
@Check('default_rollout_policies_selector_check', `jsonb_typeof(selector) = 'object' AND selector <> '{}'::jsonb`)
// Names are unique whatever their case: on lower(name), an expression TypeORM cannot state.
@Index('default_rollout_policies_name_idx', { synchronize: false })
export class DefaultRolloutPolicyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  /** Never empty: a default that matched every agent would be a fleet-wide policy by accident. */
  @Column({ type: 'jsonb' })
  selector: Record<string, string>;

  @Column({ type: 'jsonb' })
  policy: RolloutPolicy;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
