import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../config/app-config.js';
import type { Page } from '../common/pagination.js';
import { InvalidCredentials, LastAdminProtected, UserAlreadyExists, UserNotFound } from './auth.errors.js';
import { PasswordHasher } from './password-hasher.js';
import type { Role } from './roles.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  password?: string;
}

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly config: AppConfig,
  ) {}

  /**
   * First start: create the admin. Without ADMIN_PASSWORD a random one is shown once and kept 0600.
   * Later starts leave an existing admin's password alone unless ADMIN_PASSWORD_RESET=true, and
   * say so, since scripts that set ADMIN_PASSWORD expect it to be the password.
   */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) {
      await this.applyAdminPasswordToExisting();
      return;
    }
    const generated = this.config.adminPassword === undefined;
    const password = this.config.adminPassword ?? crypto.randomBytes(18).toString('base64url');
    const created = await this.users.insertIfAbsent(
      this.config.adminUsername,
      await this.hasher.hash(password),
      'admin',
    );
    if (!created || !generated) {
      return;
    }
    const file = this.initialPasswordFile();
    fs.mkdirSync(this.config.dataDir, { recursive: true });
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    this.logger.warn(
      `Created admin user "${this.config.adminUsername}" with generated password: ${password} ` +
        `(also saved to ${file}; change it in the console or with PUT /api/v1/users/me/password)`,
    );
  }

  private async applyAdminPasswordToExisting(): Promise<void> {
    const password = this.config.adminPassword;
    if (password === undefined) {
      return;
    }
    const username = this.config.adminUsername;
    const admin = await this.users.findByUsername(username);
    if (!this.config.adminPasswordReset) {
      this.logger.warn(
        `ADMIN_PASSWORD is set but is only used when the first admin is created; user "${username}" ` +
          `${admin ? 'exists already and keeps its password' : 'does not exist (other users do)'}. ` +
          'Set ADMIN_PASSWORD_RESET=true to apply it.',
      );
      return;
    }
    if (!admin) {
      await this.users.insertIfAbsent(username, await this.hasher.hash(password), 'admin');
      this.logger.warn(`ADMIN_PASSWORD_RESET: created admin user "${username}" with ADMIN_PASSWORD`);
      return;
    }
    admin.passwordHash = await this.hasher.hash(password);
    await this.users.save(admin);
    this.passwordChanged(admin);
    this.logger.warn(
      `ADMIN_PASSWORD_RESET: the password of "${username}" is now ADMIN_PASSWORD; remove ADMIN_PASSWORD_RESET ` +
        'so later password changes survive restarts',
    );
  }

  private initialPasswordFile(): string {
    return path.join(this.config.dataDir, 'initial-admin-password');
  }

  /** The generated password file stays truthful: once that admin's password changes, it goes. */
  private passwordChanged(user: UserEntity): void {
    if (user.username === this.config.adminUsername) {
      fs.rmSync(this.initialPasswordFile(), { force: true });
    }
  }

  async list(offset: number, limit: number): Promise<Page<UserEntity>> {
    const [items, total] = await this.users.list(offset, limit);
    return { items, total };
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) {
      throw new UserNotFound(id);
    }
    return user;
  }

  async create(username: string, password: string, role: Role): Promise<UserEntity> {
    const created = await this.users.insertIfAbsent(username, await this.hasher.hash(password), role);
    if (!created) {
      throw new UserAlreadyExists(username);
    }
    return created;
  }

  async update(id: string, changes: UserChanges): Promise<UserEntity> {
    const user = await this.get(id);
    const losesAdmin =
      user.role === 'admin' && !user.disabled && (changes.disabled === true || (changes.role ?? 'admin') !== 'admin');
    if (losesAdmin && (await this.users.countEnabledAdmins()) <= 1) {
      throw new LastAdminProtected();
    }
    user.role = changes.role ?? user.role;
    user.disabled = changes.disabled ?? user.disabled;
    if (changes.password !== undefined) {
      user.passwordHash = await this.hasher.hash(changes.password);
    }
    const saved = await this.users.save(user);
    if (changes.password !== undefined) {
      this.passwordChanged(saved);
    }
    return saved;
  }

  async changeOwnPassword(id: string, current: string, next: string): Promise<void> {
    const user = await this.get(id);
    if (!(await this.hasher.verify(current, user.passwordHash))) {
      throw new InvalidCredentials();
    }
    user.passwordHash = await this.hasher.hash(next);
    this.passwordChanged(await this.users.save(user));
  }
}
