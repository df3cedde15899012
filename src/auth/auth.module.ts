import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { AgentKeyEntity } from './agent-key.entity.js';
import { AgentKeysController } from './agent-keys.controller.js';
import { AgentKeysRepository } from './agent-keys.repository.js';
import { AgentKeysService } from './agent-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { PasswordHasher } from './password-hasher.js';
import { UserEntity } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, AgentKeyEntity]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: resolveJwtSecret(config.jwtSecret, config.dataDir),
        signOptions: {
          algorithm: 'HS256',
          expiresIn: config.jwtExpiresInSeconds,
          issuer: config.jwtIssuer,
          audience: config.jwtAudience,
        },
        verifyOptions: { algorithms: ['HS256'], issuer: config.jwtIssuer, audience: config.jwtAudience },
      }),
    }),
  ],
  controllers: [AuthController, UsersController, AgentKeysController],
  providers: [
    AuthService,
    UsersService,
    UsersRepository,
    AgentKeysService,
    AgentKeysRepository,
    PasswordHasher,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AgentKeysService, AuthService],
})
export class AuthModule {}
