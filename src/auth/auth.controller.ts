import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiEndpoint } from './api-endpoint.decorator.js';
import { AuthService } from './auth.service.js';
import { CurrentUser } from './current-user.decorator.js';
import { LoginRequest, LoginResponse, toUserResponse, UserResponse } from './dto/auth.dto.js';
import type { AuthenticatedUser } from './roles.js';
import { UsersService } from './users.service.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiEndpoint({
    summary: 'Log in and get a bearer token',
    public: true,
    errors: { 401: 'Invalid username or password', 429: 'Too many failed attempts (see Retry-After)' },
  })
  @ApiOkResponse({ type: LoginResponse })
  async login(@Body() body: LoginRequest, @Req() request: Request): Promise<LoginResponse> {
    const result = await this.auth.login(body.username, body.password, request.ip ?? 'unknown');
    return { token: result.token, expires_at: result.expiresAt.toISOString(), user: toUserResponse(result.user) };
  }

  @Get('me')
  @ApiEndpoint({ summary: 'The user behind the token' })
  @ApiOkResponse({ type: UserResponse })
  async me(@CurrentUser() user: AuthenticatedUser): Promise<UserResponse> {
    return toUserResponse(await this.users.get(user.id));
  }
}
