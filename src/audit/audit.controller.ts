import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { setPageHeaders } from '../common/pagination.js';
import { AuditService } from './audit.service.js';
import { AuditQuery, AuditRecordResponse, toAuditResponse } from './dto/audit.dto.js';

/** The audit log is read-only through the API: there is no route that changes or deletes a record. */
@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiEndpoint({ summary: 'Who changed what: API writes, newest first (admin)', role: 'admin' })
  @ApiOkResponse({ type: [AuditRecordResponse] })
  async list(
    @Query() query: AuditQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuditRecordResponse[]> {
    const page = await this.audit.list(
      {
        actor: query.actor,
        resource: query.resource,
        resourceId: query.resource_id,
        action: query.action,
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      },
      query.offset,
      query.page_size,
    );
    setPageHeaders(response, query, page.total);
    return page.items.map(toAuditResponse);
  }
}
