import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const APPLY_STATUSES = ['pending', 'applying', 'applied', 'failed', 'timeout', 'rolled_back'] as const;
export type ApplyStatus = (typeof APPLY_STATUSES)[number];

/** One offer of one configuration version to one agent, and what became of it. */
@Entity('configuration_apply_history')
export class ApplyRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  configurationId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'char', length: 64 })
  configHash: string;

  @Column({ type: 'uuid' })
  instanceUid: string;

  @Column({ type: 'uuid', nullable: true })
  pushId: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: ApplyStatus;

  @Column({ type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ type: 'timestamptz' })
  offeredAt: Date;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
