import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';

/** `?page=&page_size=` on every list endpoint; totals travel in headers so bodies stay plain arrays. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  page_size: number = 100;

  get offset(): number {
    return (this.page - 1) * this.page_size;
  }
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Sets X-Total-Count, X-Page and X-Page-Size; the seed's clients read list bodies as arrays. */
export function setPageHeaders(response: Response, query: PageQuery, total: number): void {
  response.setHeader('X-Total-Count', String(total));
  response.setHeader('X-Page', String(query.page));
  response.setHeader('X-Page-Size', String(query.page_size));
}
