import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A server instance's heartbeat row. Read and written with SQL (AgentsRepository); declared here
 * so the schema test holds the migrations to it.
 */
@Entity('server_instances')
export class ServerInstanceEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  heartbeatAt: Date;

  @Column({ type: 'text', nullable: true })
  httpUrl: string | null;

  @Column({ type: 'text', nullable: true })
  opampUrl: string | null;
}
