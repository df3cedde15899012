import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PackageEntity } from './package.entity.js';

/** Offers one package to the agents a selector or an id list names. */
@Entity('package_assignments')
export class PackageAssignmentEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'integer' })
  packageId: number;

  @ManyToOne(() => PackageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'package_id' })
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
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
