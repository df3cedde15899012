import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { bearerToken } from '../common/bearer-token.js';
import { InsufficientRole, NotAuthenticated } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import { MIN_ROLE_KEY, PUBLIC_KEY, roleAtLeast, type AuthenticatedUser, type Role } from './roles.js';

export type AuthenticatedRequest = Request & { user?: AuthenticatedUser };

/**
 * Global guard for every HTTP route: a valid JWT, then the route's minimum role. Reads default to
 * viewer; writes without a @MinRole default to admin, so a forgotten decorator fails closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') {
      return true;
    }
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    const user = token ? await this.auth.authenticate(token) : undefined;
    if (!user) {
      throw new NotAuthenticated(token ? 'Invalid or expired token' : 'Missing bearer token');
    }
    request.user = user;
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    const required = this.reflector.getAllAndOverride<Role>(MIN_ROLE_KEY, targets) ?? (isRead ? 'viewer' : 'admin');
    if (!roleAtLeast(user.role, required)) {
      throw new InsufficientRole(required, user.role);
    }
    return true;
  }
}
