import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ParseInstanceUidPipe } from '../agents/instance-uid.pipe.js';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { setPageHeaders } from '../common/pagination.js';
import { ApplyHistoryService } from './apply-history.service.js';
import { ApplyHistoryQuery, ApplyRecordResponse, toApplyRecordResponse } from './dto/apply.dto.js';

/** The seed's per-agent apply history; it lives here because the rows are this module's. */
@ApiTags('agents')
@Controller('api/v1/agents')
export class AgentApplyHistoryController {
  constructor(private readonly applies: ApplyHistoryService) {}

  @Get(':id/apply-history')
  @ApiEndpoint({
    summary: 'Configurations offered to an agent and what became of them, newest first',
    errors: { 404: 'No such agent' },
  })
  @ApiOkResponse({ type: [ApplyRecordResponse] })
  async list(
    @Param('id', ParseInstanceUidPipe) id: string,
    @Query() query: ApplyHistoryQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ApplyRecordResponse[]> {
    const page = await this.applies.listForAgent(
      id,
      { status: query.status, version: query.version },
      query.offset,
      query.page_size,
    );
    setPageHeaders(response, query, page.total);
    return page.items.map(toApplyRecordResponse);
  }
}
