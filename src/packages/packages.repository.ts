import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository, type SelectQueryBuilder } from 'typeorm';
import { PackageEntity } from './package.entity.js';

export interface PackageFilter {
  name?: string;
  platform?: string;
  arch?: string;
}

export type NewPackage = Pick<
  PackageEntity,
  | 'name'
  | 'version'
  | 'versionSortKey'
  | 'platform'
  | 'arch'
  | 'fileSize'
  | 'checksum'
  | 'storagePath'
  | 'fileName'
  | 'description'
  | 'signature'
  | 'signatureStatus'
  | 'signerFingerprint'
  | 'signatureCheckedAt'
  | 'createdBy'
>;

export interface StorageTotals {
  count: number;
  totalBytes: number;
  totalDownloads: number;
}

/** Thrown by insert when (name, version, platform, arch) is taken. */
export class DuplicatePackage extends Error {}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class PackagesRepository {
  constructor(@InjectRepository(PackageEntity) private readonly repo: Repository<PackageEntity>) {}

  async insert(values: NewPackage): Promise<PackageEntity> {
    try {
      return await this.repo.save(this.repo.create({ ...values, isActive: true, downloadCount: 0 }));
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new DuplicatePackage();
      }
      throw error;
    }
  }

  findById(id: number): Promise<PackageEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByNameAndVersion(filter: PackageFilter & { name: string; version: string }): Promise<PackageEntity[]> {
    return this.filtered(filter).andWhere('p.version = :version', { version: filter.version }).getMany();
  }

  /** Sorted by name, then semver precedence descending (the newest first). */
  list(filter: PackageFilter, offset: number, limit: number): Promise<[PackageEntity[], number]> {
    return this.filtered(filter)
      .orderBy('lower(p.name)', 'ASC')
      .addOrderBy('p.version_sort_key', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .offset(offset)
      .limit(limit)
      .getManyAndCount();
  }

  /** The highest version of `name`; pre-releases only when asked for. */
  findLatest(filter: PackageFilter & { name: string }, includePrerelease: boolean): Promise<PackageEntity | null> {
    const query = this.filtered(filter).andWhere('p.is_active');
    if (!includePrerelease) {
      // A release's sort key ends the version part with '~' (see semverSortKey).
      query.andWhere(`p.version_sort_key LIKE '%~'`);
    }
    return query.orderBy('p.version_sort_key', 'DESC').addOrderBy('p.id', 'DESC').limit(1).getOne();
  }

  async updateSignature(
    id: number,
    values: Pick<PackageEntity, 'signature' | 'signatureStatus' | 'signerFingerprint' | 'signatureCheckedAt'>,
  ): Promise<PackageEntity | null> {
    await this.repo.update({ id }, values);
    return this.repo.findOneBy({ id });
  }

  /** The signature verdicts of the builds of one version (every platform and arch). */
  signatureStatusesOf(
    name: string,
    version: string,
  ): Promise<Pick<PackageEntity, 'signatureStatus' | 'signerFingerprint'>[]> {
    return this.filtered({ name })
      .andWhere('p.version = :version', { version })
      .select(['p.signatureStatus', 'p.signerFingerprint'])
      .getMany();
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  async recordDownload(id: number): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update()
      .set({
        downloadCount: () => 'download_count + 1',
        lastDownloadedAt: () => 'now()',
        updatedAt: () => 'updated_at',
      })
      .where('id = :id', { id })
      .execute();
  }

  async totals(): Promise<StorageTotals> {
    const row = await this.repo
      .createQueryBuilder('p')
      .select('count(*)', 'count')
      .addSelect('coalesce(sum(p.file_size), 0)', 'bytes')
      .addSelect('coalesce(sum(p.download_count), 0)', 'downloads')
      .getRawOne<{ count: string; bytes: string; downloads: string }>();
    return {
      count: Number(row?.count ?? 0),
      totalBytes: Number(row?.bytes ?? 0),
      totalDownloads: Number(row?.downloads ?? 0),
    };
  }

  mostDownloaded(limit: number): Promise<PackageEntity[]> {
    return this.repo
      .createQueryBuilder('p')
      .orderBy('p.download_count', 'DESC')
      .addOrderBy('lower(p.name)', 'ASC')
      .addOrderBy('p.version_sort_key', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  private filtered(filter: PackageFilter): SelectQueryBuilder<PackageEntity> {
    const query = this.repo.createQueryBuilder('p').where('true');
    if (filter.name !== undefined) {
      query.andWhere('lower(p.name) = lower(:name)', { name: filter.name });
    }
    if (filter.platform !== undefined) {
      query.andWhere('p.platform = :platform', { platform: filter.platform });
    }
    if (filter.arch !== undefined) {
      query.andWhere('p.arch = :arch', { arch: filter.arch });
    }
    return query;
  }
}
