import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * When a fleet-wide threshold event last fired, so it fires once per window across the cluster.
 * Read and written with SQL (WebhooksRepository); declared here so the schema test holds the
 * migrations to it.
 */
@Entity('fleet_alerts')
export class FleetAlertEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'timestamptz' })
  firedAt: Date;
}
