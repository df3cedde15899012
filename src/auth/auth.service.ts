import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config.js';
import { InvalidCredentials, TooManyLoginAttempts } from './auth.errors.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { PasswordHasher } from './password-hasher.js';
import { ROLES, type AuthenticatedUser } from './roles.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserEntity;
}

interface TokenClaims {
  sub: string;
  role: string;
}

@Injectable()
export class AuthService {
  private readonly limiter: LoginRateLimiter;

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    config: AppConfig,
  ) {
    this.limiter = new LoginRateLimiter(config.loginMaxAttempts, config.loginWindowSeconds * 1000);
  }

  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const wait = this.limiter.retryAfterSeconds(ip, username);
    if (wait > 0) {
      throw new TooManyLoginAttempts(wait);
    }
    const user = await this.users.findByUsername(username);
    const valid = await this.hasher.verify(password, user?.passwordHash);
    if (!user || !valid || user.disabled) {
      this.limiter.recordFailure(ip, username);
      throw new InvalidCredentials();
    }
    this.limiter.recordSuccess(username);
    await this.users.touchLogin(user.id);
    const token = await this.jwt.signAsync({ sub: user.id, role: user.role } satisfies TokenClaims);
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    return { token, expiresAt: new Date(exp * 1000), user };
  }

  /** Verifies signature, algorithm, iss, aud and exp, then reloads the user so a disabled account stops at once. */
  async authenticate(token: string): Promise<AuthenticatedUser | undefined> {
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch {
      return undefined;
    }
    const user = typeof claims.sub === 'string' ? await this.users.findById(claims.sub) : null;
    if (!user || user.disabled || !ROLES.includes(user.role)) {
      return undefined;
    }
    return { id: user.id, username: user.username, role: user.role };
  }
}
