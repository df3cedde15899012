import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { ConfigurationEntity } from './configuration.entity.js';

/**
 * An explicit push and what it did. Written with SQL, together with its wake-ups in one statement
 * (ConfigAssignmentRepository); declared here so the schema test holds the migrations to it.
 */
@Entity('configuration_pushes')
@Index('configuration_pushes_configuration_idx', ['configurationId'])
export class ConfigurationPushEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  @ForeignKey(() => ConfigurationEntity, { name: 'configuration_pushes_configuration_id_fkey' })
  configurationId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'integer', nullable: true })
  targeted: number | null;

  @Column({ type: 'integer', nullable: true })
  forwarded: number | null;

  @Column({ type: 'integer', nullable: true })
  sent: number | null;

  @Column({ type: 'integer', nullable: true })
  skipped: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
