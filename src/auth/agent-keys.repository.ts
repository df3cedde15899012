import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { AgentKeyEntity } from './agent-key.entity.js';

@Injectable()
export class AgentKeysRepository {
  constructor(@InjectRepository(AgentKeyEntity) private readonly repo: Repository<AgentKeyEntity>) {}

  create(values: Pick<AgentKeyEntity, 'name' | 'keyHash' | 'prefix' | 'createdBy'>): Promise<AgentKeyEntity> {
    return this.repo.save(this.repo.create(values));
  }

  list(offset: number, limit: number): Promise<[AgentKeyEntity[], number]> {
    return this.repo.findAndCount({ order: { createdAt: 'DESC' }, skip: offset, take: limit });
  }

  findActiveByHash(keyHash: string): Promise<AgentKeyEntity | null> {
    return this.repo.findOneBy({ keyHash, revokedAt: IsNull() });
  }

  findById(id: string): Promise<AgentKeyEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async revoke(id: string): Promise<void> {
    await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  async touchUsed(ids: string[]): Promise<void> {
    if (ids.length > 0) {
      await this.repo.update({ id: In(ids) }, { lastUsedAt: new Date() });
    }
  }
}
