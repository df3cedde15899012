import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { LiveEventsService } from './live-events.service.js';

@ApiTags('events')
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: LiveEventsService) {}

  /**
   * Server-Sent Events: `agent` (connected, disconnected, status, labels, deleted) and `apply`
   * (pending, applying, applied, failed, timeout), each with a JSON `data` line. Authenticated
   * with the usual bearer token header, so read it with fetch() rather than EventSource.
   */
  @Get()
  @ApiOkResponse({
    description:
      'Server-Sent Events: `event: agent`, `event: apply` and `event: rollout`, each with a JSON `data:` line',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiEndpoint({ summary: 'Live stream of agent and apply-state changes (text/event-stream)' })
  stream(@Res() response: Response): void {
    this.events.open(response);
  }
}
