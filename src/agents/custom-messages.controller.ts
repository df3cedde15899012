import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import { CustomMessagesService } from './custom-messages.service.js';
import {
  CustomMessageResponse,
  CustomMessagesQuery,
  SendCustomMessageRequest,
  SendCustomMessageResponse,
  toCustomMessageResponse,
} from './dto/custom-message.dto.js';
import { ParseInstanceUidPipe } from './instance-uid.pipe.js';

@ApiTags('agents')
@Controller('api/v1/agents')
export class CustomMessagesController {
  constructor(private readonly messages: CustomMessagesService) {}

  @Post(':id/custom-messages')
  @HttpCode(202)
  @ApiEndpoint({
    summary: 'Send the agent a custom message for a custom capability it announced',
    role: 'operator',
    errors: {
      400: 'Bad body (data must be base64)',
      404: 'No such agent',
      409: 'Agent offline',
      413: 'data larger than CUSTOM_MESSAGE_MAX_BYTES',
      422: 'The agent does not announce that custom capability',
    },
  })
  @ApiAcceptedResponse({ type: SendCustomMessageResponse })
  async send(
    @Param('id', ParseInstanceUidPipe) id: string,
    @Body() body: SendCustomMessageRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<SendCustomMessageResponse> {
    const data = Buffer.from(body.data, 'base64');
    return {
      status: await this.messages.send(id, { capability: body.capability, type: body.type, data }, user.username),
    };
  }

  @Get(':id/custom-messages')
  @ApiEndpoint({
    summary: 'The latest custom messages received from and sent to the agent, newest first',
    errors: { 404: 'No such agent' },
  })
  @ApiOkResponse({ type: [CustomMessageResponse] })
  async list(
    @Param('id', ParseInstanceUidPipe) id: string,
    @Query() query: CustomMessagesQuery,
  ): Promise<CustomMessageResponse[]> {
    return (await this.messages.list(id, query.limit)).map(toCustomMessageResponse);
  }
}
