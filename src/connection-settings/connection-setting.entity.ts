import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * An operator's connection-settings rule. Read and written with SQL (ConnectionSettingsRepository);
 * declared here so the schema test holds the migrations to it.
 */
@Entity('connection_settings')
@Unique('connection_settings_name_key', ['name'])
export class ConnectionSettingEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb' })
  selector: Record<string, string>;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'jsonb', nullable: true })
  ownMetrics: unknown;

  @Column({ type: 'jsonb', nullable: true })
  ownTraces: unknown;

  @Column({ type: 'jsonb', nullable: true })
  ownLogs: unknown;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
