import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { PageQuery, setPageHeaders } from '../common/pagination.js';
import {
  CreateWebhookRequest,
  toDeliveryResponse,
  toWebhookResponse,
  UpdateWebhookRequest,
  WebhookDeliveryResponse,
  WebhookResponse,
} from './dto/webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

const NOT_FOUND = { 404: 'Webhook not found' };

/** Signed deliveries of events to outside receivers (admins only). */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiEndpoint({
    summary: 'Create a webhook (its secret is stored encrypted and never returned)',
    role: 'admin',
    errors: { 400: 'Invalid URL, event or selector' },
  })
  @ApiCreatedResponse({ type: WebhookResponse })
  async create(@Body() body: CreateWebhookRequest): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.create(body));
  }

  @Get()
  @ApiEndpoint({ summary: 'List webhooks', role: 'admin' })
  @ApiOkResponse({ type: [WebhookResponse] })
  async list(@Query() query: PageQuery, @Res({ passthrough: true }) response: Response): Promise<WebhookResponse[]> {
    const page = await this.webhooks.list(query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toWebhookResponse);
  }

  @Get(':id')
  @ApiEndpoint({ summary: 'One webhook', role: 'admin', errors: NOT_FOUND })
  @ApiOkResponse({ type: WebhookResponse })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.get(id));
  }

  @Patch(':id')
  @ApiEndpoint({
    summary: 'Change a webhook (url, events, selector, secret, enabled)',
    role: 'admin',
    errors: { ...NOT_FOUND, 400: 'Invalid field' },
  })
  @ApiOkResponse({ type: WebhookResponse })
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateWebhookRequest): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.update(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiEndpoint({ summary: 'Delete a webhook and its delivery records', role: 'admin', errors: NOT_FOUND })
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.webhooks.delete(id);
  }

  @Get(':id/deliveries')
  @ApiEndpoint({
    summary: 'Deliveries of a webhook, newest first: status, attempts, response code, latency',
    role: 'admin',
    errors: NOT_FOUND,
  })
  @ApiOkResponse({ type: [WebhookDeliveryResponse] })
  async deliveries(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: PageQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<WebhookDeliveryResponse[]> {
    const page = await this.webhooks.deliveries(id, query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toDeliveryResponse);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiEndpoint({ summary: 'Queue a `webhook.test` delivery to this webhook', role: 'admin', errors: NOT_FOUND })
  @ApiAcceptedResponse({ description: 'Queued: `{ delivery_id }`, to follow in the deliveries list' })
  async test(@Param('id', ParseUUIDPipe) id: string): Promise<{ delivery_id: string }> {
    return { delivery_id: await this.webhooks.sendTest(id) };
  }
}
