import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { PageQuery, setPageHeaders } from '../common/pagination.js';
import { ApiEndpoint } from './api-endpoint.decorator.js';
import { CurrentUser } from './current-user.decorator.js';
import {
  ChangePasswordRequest,
  CreateUserRequest,
  toUserResponse,
  UpdateUserRequest,
  UserResponse,
} from './dto/auth.dto.js';
import type { AuthenticatedUser } from './roles.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiEndpoint({ summary: 'List users', role: 'admin' })
  @ApiOkResponse({ type: [UserResponse] })
  async list(@Query() query: PageQuery, @Res({ passthrough: true }) response: Response): Promise<UserResponse[]> {
    const page = await this.users.list(query.offset, query.page_size);
    setPageHeaders(response, query, page.total);
    return page.items.map(toUserResponse);
  }

  @Post()
  @ApiEndpoint({ summary: 'Create a user', role: 'admin', errors: { 409: 'Username taken' } })
  @ApiCreatedResponse({ type: UserResponse })
  async create(@Body() body: CreateUserRequest): Promise<UserResponse> {
    return toUserResponse(await this.users.create(body.username, body.password, body.role));
  }

  @Put('me/password')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiEndpoint({ summary: 'Change your own password', role: 'viewer', errors: { 401: 'Wrong current password' } })
  async changePassword(@CurrentUser() user: AuthenticatedUser, @Body() body: ChangePasswordRequest): Promise<void> {
    await this.users.changeOwnPassword(user.id, body.current_password, body.new_password);
  }

  @Patch(':id')
  @ApiEndpoint({
    summary: 'Change a user: role, disabled, password reset',
    role: 'admin',
    errors: { 404: 'No such user', 409: 'Would leave no enabled admin' },
  })
  @ApiOkResponse({ type: UserResponse })
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateUserRequest): Promise<UserResponse> {
    return toUserResponse(await this.users.update(id, body));
  }
}
