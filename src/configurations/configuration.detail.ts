import { Injectable } from '@nestjs/common';
import { AgentDetailContributor } from '../agents/agent-detail-contributors.js';
import { ConfigAssignmentService } from './config-assignment.service.js';
import { toAgentAssignmentResponse, type AgentAssignmentResponse } from './dto/apply.dto.js';

/** The `configuration` field of GET /api/v1/agents/:id: the agent's assignment and its apply state. */
@Injectable()
@AgentDetailContributor('configuration')
export class ConfigurationDetail implements AgentDetailContributor {
  constructor(private readonly assignments: ConfigAssignmentService) {}

  async contribute(instanceUid: string): Promise<AgentAssignmentResponse | null> {
    const row = await this.assignments.assignmentFor(instanceUid);
    return row?.configurationId ? toAgentAssignmentResponse(row) : null;
  }
}
