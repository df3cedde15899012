import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { UserEntity } from '../auth/user.entity.js';
import { PackageEntity } from './package.entity.js';

/** Offers one package to the agents a selector or an id list names. */
@Entity('package_assignments')
// Exactly one of selector and agent_ids.
@Check('package_assignments_check', `(selector IS NULL) <> (agent_ids IS NULL)`)
@Index('package_assignments_package_idx', ['packageId'])
export class PackageAssignmentEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'integer' })
  packageId: number;

  @ManyToOne(() => PackageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'package_id', foreignKeyConstraintName: 'package_assignments_package_id_fkey' })
  package?: PackageEntity;

  /** Every key must equal the agent's label or attribute of that name. */
  @Column({ type: 'jsonb', nullable: true })
  selector: Record<string, string> | null;

  @Column({ type: 'uuid', array: true, nullable: true })
  agentIds: string[] | null;

  /** Offered to nobody until a rollout's stages reach its agents, and to all once the rollout completes. */
  @Column({ type: 'boolean', default: false })
  held: boolean;

  @Column({ type: 'uuid', nullable: true })
  @ForeignKey(() => UserEntity, { name: 'package_assignments_created_by_fkey', onDelete: 'SET NULL' })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
