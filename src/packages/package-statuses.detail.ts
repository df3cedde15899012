import { Injectable } from '@nestjs/common';
import { AgentDetailContributor } from '../agents/agent-detail-contributors.js';
import { toAgentPackageStatusResponse } from './dto/deployment.dto.js';
import { PackageDeploymentsService } from './package-deployments.service.js';

/** The `package_statuses` field of GET /api/v1/agents/:id, with the signature of what is installed. */
@Injectable()
@AgentDetailContributor('package_statuses')
export class PackageStatusesDetail implements AgentDetailContributor {
  constructor(private readonly deployments: PackageDeploymentsService) {}

  async contribute(instanceUid: string): Promise<unknown[]> {
    return Promise.all(
      (await this.deployments.statusesOfAgent(instanceUid)).map(async (status) => {
        const installed = await this.deployments.installedSignature(status);
        return {
          ...toAgentPackageStatusResponse(status),
          installed_signature_status: installed?.status ?? null,
          installed_signer_fingerprint: installed?.signerFingerprint ?? null,
        };
      }),
    );
  }
}
