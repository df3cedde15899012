import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Role } from './roles.js';
import { UserEntity } from './user.entity.js';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.username) = lower(:username)', { username }).getOne();
  }

  list(offset: number, limit: number): Promise<[UserEntity[], number]> {
    return this.repo.findAndCount({ order: { createdAt: 'ASC' }, skip: offset, take: limit });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  /** Inserts unless the username is taken; returns the new row or null. Safe when instances race. */
  async insertIfAbsent(username: string, passwordHash: string, role: Role): Promise<UserEntity | null> {
    const result = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ username, passwordHash, role })
      .orIgnore()
      .returning('*')
      .execute();
    const id = (result.identifiers[0] as { id?: string } | undefined)?.id;
    return id ? this.findById(id) : null;
  }

  save(user: UserEntity): Promise<UserEntity> {
    return this.repo.save(user);
  }

  countEnabledAdmins(): Promise<number> {
    return this.repo.countBy({ role: 'admin', disabled: false });
  }

  async touchLogin(id: string): Promise<void> {
    await this.repo.update({ id }, { lastLoginAt: new Date() });
  }
}
