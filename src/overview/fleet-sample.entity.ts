import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Agents online and offline at one minute, for the whole cluster. Read and written with SQL
 * (OverviewRepository); declared here so the schema test holds the migrations to it.
 */
@Entity('fleet_samples')
export class FleetSampleEntity {
  @PrimaryColumn({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'integer' })
  online: number;

  @Column({ type: 'integer' })
  offline: number;
}
