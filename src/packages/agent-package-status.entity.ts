import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One package of an agent's last PackageStatuses report. */
@Entity('agent_package_statuses')
// No foreign key to agents: inventory writes are coalesced, so a report may arrive before its agent
// row exists. Searched by package name whatever its case: on lower(package_name), which TypeORM cannot state.
@Index('agent_package_statuses_name_idx', { synchronize: false })
export class AgentPackageStatusEntity {
  @PrimaryColumn({ type: 'uuid' })
  instanceUid: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  packageName: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  agentHasVersion: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  serverOfferedVersion: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'double precision', nullable: true })
  downloadPercent: number | null;

  @Column({ type: 'text', nullable: true })
  errorMessage: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
