import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ConfigurationEntity } from './configuration.entity.js';

export const APPLY_STATUSES = ['pending', 'applying', 'applied', 'failed', 'timeout', 'rolled_back'] as const;
export type ApplyStatus = (typeof APPLY_STATUSES)[number];

/** One offer of one configuration version to one agent, and what became of it. */
@Entity('configuration_apply_history')
@Check(
  'configuration_apply_history_status_check',
  `status IN ('pending', 'applying', 'applied', 'failed', 'timeout', 'rolled_back')`,
)
@Index('configuration_apply_history_push_idx', ['pushId'])
// The timeout sweep only ever looks at open rows; one open offer per agent, configuration and version.
@Index('configuration_apply_history_open_idx', ['offeredAt'], { where: `status IN ('pending', 'applying')` })
@Index('configuration_apply_history_one_open_idx', ['instanceUid', 'configurationId', 'version'], {
  unique: true,
  where: `status IN ('pending', 'applying')`,
})
// Newest first per configuration and per agent: DESC columns, which TypeORM cannot state.
@Index('configuration_apply_history_config_idx', { synchronize: false })
@Index('configuration_apply_history_agent_idx', { synchronize: false })
export class ApplyRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  @ForeignKey(() => ConfigurationEntity, { name: 'configuration_apply_history_configuration_id_fkey' })
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

  @Column({ type: 'timestamptz', default: () => 'now()' })
  offeredAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
