import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The database side of /health. */
@Injectable()
export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves once PostgreSQL answered a trivial query through the pool. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
