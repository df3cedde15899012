import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

export type AgentStatus = 'online' | 'offline';
export const DRIFT_STATES = ['in_sync', 'drifted', 'unknown', 'pending'] as const;
export type DriftState = (typeof DRIFT_STATES)[number];

/** A row of the agent inventory (written by the OpAMP hot path in batches, read by the REST API). */
@Entity('agents')
@Check('agents_status_check', `status IN ('online', 'offline')`)
@Check('agents_transport_check', `transport IN ('websocket', 'http')`)
@Check('agents_drift_status_check', `drift_status IN ('in_sync', 'drifted', 'unknown', 'pending')`)
@Index('agents_status_idx', ['status'])
// The agents an instance holds, for its sweeps and its restart.
@Index('agents_instance_idx', ['instanceId'], { where: `status = 'online'` })
@Index('agents_assigned_configuration_idx', ['assignedConfigurationId'])
// Selector matching (`@>`); jsonb_path_ops is an operator class TypeORM cannot state (SQL only).
@Index('agents_labels_idx', { synchronize: false })
@Index('agents_identifying_idx', { synchronize: false })
@Index('agents_non_identifying_idx', { synchronize: false })
export class AgentEntity {
  @PrimaryColumn({ type: 'uuid' })
  instanceUid: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  identifyingAttributes: Record<string, string>;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  nonIdentifyingAttributes: Record<string, string>;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  labels: Record<string, string>;

  @Column({ type: 'text', nullable: true })
  agentName: string | null;

  @Column({ type: 'text', nullable: true })
  agentVersion: string | null;

  @Column({ type: 'text', nullable: true })
  hostName: string | null;

  /** uint64 as decimal text (numeric(20,0)): capability masks may use all 64 bits. */
  @Column({ type: 'numeric', precision: 20, scale: 0, default: 0 })
  capabilities: string;

  @Column({ type: 'varchar', length: 16, default: 'offline' })
  status: AgentStatus;

  @Column({ type: 'varchar', length: 16, nullable: true })
  transport: 'websocket' | 'http' | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  instanceId: string | null;

  /** uint64 as decimal text (numeric(20,0)): an agent's counter may reach 2^64-1. */
  @Column({ type: 'numeric', precision: 20, scale: 0, default: 0 })
  sequenceNum: string;

  @Column({ type: 'jsonb', nullable: true })
  health: Record<string, unknown> | null;

  @Column({ type: 'boolean', nullable: true })
  healthy: boolean | null;

  @Column({ type: 'jsonb', nullable: true })
  effectiveConfig: Record<string, { body: string; content_type: string }> | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  effectiveConfigHash: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  remoteConfigStatus: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  remoteConfigHash: string | null;

  @Column({ type: 'text', nullable: true })
  remoteConfigError: string | null;

  @Column({ type: 'jsonb', nullable: true })
  availableComponents: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  customCapabilities: string[] | null;

  @Column({ type: 'varchar', length: 16, default: 'unknown' })
  driftStatus: DriftState;

  /** The paths that differ, when drifted. */
  @Column({ type: 'jsonb', nullable: true })
  driftPaths: string[] | null;

  @Column({ type: 'timestamptz', nullable: true })
  driftCheckedAt: Date | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  connectedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  disconnectedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  // Columns other modules own and write with SQL of their own (assignment, connection settings):
  // declared so the entity states the whole table, never loaded or written through it.
  // Named by entity name: agents sit below configurations and do not import them.
  @Column({ type: 'uuid', nullable: true, select: false, insert: false, update: false })
  @ForeignKey('ConfigurationEntity', { name: 'agents_assigned_configuration_id_fkey' })
  assignedConfigurationId?: string | null;

  @Column({ type: 'integer', nullable: true, select: false, insert: false, update: false })
  assignedConfigVersion?: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true, select: false, insert: false, update: false })
  desiredConfigHash?: string | null;

  @Column({ type: 'bytea', nullable: true, select: false, insert: false, update: false })
  connectionSettingsHash?: Buffer | null;

  @Column({ type: 'jsonb', nullable: true, select: false, insert: false, update: false })
  connectionSettingsParts?: unknown;

  @Column({ type: 'text', nullable: true, select: false, insert: false, update: false })
  connectionSettingsStatus?: string | null;

  @Column({ type: 'text', nullable: true, select: false, insert: false, update: false })
  connectionSettingsError?: string | null;
}
