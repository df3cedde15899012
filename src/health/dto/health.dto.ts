import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ComponentHealth {
  @ApiProperty({ enum: ['up', 'down'] })
  status: 'up' | 'down';

  @ApiProperty({ required: false })
  error?: string;
}

export class EmbeddedPostgresHealth {
  @ApiProperty({ enum: ['running', 'restarting', 'failed', 'stopped'] })
  state: string;

  @ApiProperty({ description: 'Unexpected exits of the postmaster since start, each followed by a restart' })
  restarts: number;

  @ApiProperty({ type: String, nullable: true })
  last_exit_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  last_restart_at: string | null;
}

export class DatabaseHealth extends ComponentHealth {
  @ApiProperty({ description: 'Whether the LISTEN connection (cluster notifications) is up' })
  notifications: 'up' | 'down';

  @ApiPropertyOptional({ type: EmbeddedPostgresHealth, description: 'Only with the embedded PostgreSQL' })
  embedded?: EmbeddedPostgresHealth;
}

export class StorageHealth extends ComponentHealth {
  @ApiProperty({ enum: ['filesystem', 's3'] })
  driver: string;

  @ApiPropertyOptional({ description: 'Free bytes on the blob volume (filesystem driver)' })
  free_bytes?: number;

  @ApiPropertyOptional({ description: 'Below this, the volume counts as full (STORAGE_MIN_FREE_BYTES)' })
  min_free_bytes?: number;

  @ApiPropertyOptional({ description: 'True when free_bytes is under min_free_bytes: uploads will soon fail' })
  low_space?: boolean;
}

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status: 'ok' | 'degraded';

  @ApiProperty()
  uptime_seconds: number;

  @ApiProperty({ type: DatabaseHealth })
  database: DatabaseHealth;

  @ApiProperty({ type: StorageHealth })
  storage: StorageHealth;
}
