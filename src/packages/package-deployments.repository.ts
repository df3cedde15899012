import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AgentPackageStatusEntity } from './agent-package-status.entity.js';
import { PackageAssignmentEntity } from './package-assignment.entity.js';

export type NewAssignment = Pick<PackageAssignmentEntity, 'packageId' | 'selector' | 'agentIds' | 'held' | 'createdBy'>;
export type ReportedStatus = Omit<AgentPackageStatusEntity, 'instanceUid' | 'updatedAt'>;

/** Package assignments and the statuses agents report for their packages. */
@Injectable()
export class PackageDeploymentsRepository {
  constructor(
    @InjectRepository(PackageAssignmentEntity) private readonly assignments: Repository<PackageAssignmentEntity>,
    @InjectRepository(AgentPackageStatusEntity) private readonly statuses: Repository<AgentPackageStatusEntity>,
    private readonly dataSource: DataSource,
  ) {}

  async createAssignment(values: NewAssignment): Promise<PackageAssignmentEntity> {
    const saved = await this.assignments.save(this.assignments.create(values));
    return (await this.findAssignment(saved.id))!;
  }

  findAssignment(id: number): Promise<PackageAssignmentEntity | null> {
    return this.assignments.findOne({ where: { id }, relations: { package: true } });
  }

  /** Every assignment with its package; assignments are few (one per rollout), so no paging. */
  allAssignments(): Promise<PackageAssignmentEntity[]> {
    return this.assignments.find({ relations: { package: true }, order: { id: 'ASC' } });
  }

  /** Offers a held assignment to every agent it names; false when it was not held (or is gone). */
  async releaseAssignment(id: number): Promise<boolean> {
    return ((await this.assignments.update({ id, held: true }, { held: false })).affected ?? 0) > 0;
  }

  async deleteAssignment(id: number): Promise<boolean> {
    return ((await this.assignments.delete({ id })).affected ?? 0) > 0;
  }

  /** Replaces an agent's statuses with its latest report (a report lists all its packages). */
  async replaceStatuses(instanceUid: string, rows: ReportedStatus[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(AgentPackageStatusEntity, { instanceUid });
      if (rows.length > 0) {
        await manager.insert(
          AgentPackageStatusEntity,
          rows.map((row) => ({ ...row, instanceUid })),
        );
      }
    });
  }

  statusesOfPackage(name: string): Promise<AgentPackageStatusEntity[]> {
    return this.statuses
      .createQueryBuilder('s')
      .where('lower(s.package_name) = lower(:name)', { name })
      .orderBy('s.updated_at', 'DESC')
      .getMany();
  }

  statusesOfAgent(instanceUid: string): Promise<AgentPackageStatusEntity[]> {
    return this.statuses.find({ where: { instanceUid }, order: { packageName: 'ASC' } });
  }
}
