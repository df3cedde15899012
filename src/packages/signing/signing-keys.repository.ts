import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity.js';

export type NewSigningKey = Omit<SigningKeyEntity, 'id' | 'createdAt'>;

/** Thrown by insert when the fingerprint is taken. */
export class DuplicateSigningKey extends Error {}

@Injectable()
export class SigningKeysRepository {
  constructor(@InjectRepository(SigningKeyEntity) private readonly repo: Repository<SigningKeyEntity>) {}

  async insert(values: NewSigningKey): Promise<SigningKeyEntity> {
    try {
      return await this.repo.save(this.repo.create(values));
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new DuplicateSigningKey();
      }
      throw error;
    }
  }

  /** Replaces the stored key material (a revocation or a new expiry published for the same key). */
  async replace(id: number, values: Partial<NewSigningKey>): Promise<SigningKeyEntity | null> {
    await this.repo.update({ id }, values);
    return this.repo.findOneBy({ id });
  }

  findByFingerprint(fingerprint: string): Promise<SigningKeyEntity | null> {
    return this.repo.findOneBy({ fingerprint });
  }

  findById(id: number): Promise<SigningKeyEntity | null> {
    return this.repo.findOneBy({ id });
  }

  listAll(): Promise<SigningKeyEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
