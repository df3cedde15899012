import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';

export type ChangeKind = 'create' | 'update' | 'rollback';

/** One row of configuration_history: a full snapshot of what version N pushed. */
@Entity('configuration_history')
@Check('configuration_history_change_kind_check', `change_kind IN ('create', 'update', 'rollback')`)
@Unique('configuration_history_version_key', ['configurationId', 'version'])
export class ConfigurationVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  // Named by entity name: history sits below configurations and does not import them.
  @Column({ type: 'uuid' })
  @ForeignKey('ConfigurationEntity', { name: 'configuration_history_configuration_id_fkey' })
  configurationId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  rawConfig: string;

  @Column({ type: 'varchar', length: 64 })
  contentType: string;

  @Column({ type: 'varchar', length: 255 })
  fileName: string;

  @Column({ type: 'jsonb' })
  selector: Record<string, string>;

  @Column({ type: 'char', length: 64 })
  configHash: string;

  @Column({ type: 'varchar', length: 16 })
  changeKind: ChangeKind;

  /** For a rollback, the version whose content it restored. */
  @Column({ type: 'integer', nullable: true })
  rolledBackFrom: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
