import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ParseInstanceUidPipe } from '../agents/instance-uid.pipe.js';
import { ApiEndpoint } from '../auth/api-endpoint.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthenticatedUser } from '../auth/roles.js';
import {
  AgentPackageStatusResponse,
  CreatePackageAssignmentRequest,
  PackageAssignmentResponse,
  toAgentPackageStatusResponse,
  toAssignmentResponse,
} from './dto/deployment.dto.js';
import { PackageDeploymentsService } from './package-deployments.service.js';

const idPipe = new ParseIntPipe({ errorHttpStatusCode: 400 });

/** Which agents are offered which packages over OpAMP, and what they report back. */
@ApiTags('packages')
@Controller('api/v1')
export class PackageDeploymentsController {
  constructor(private readonly deployments: PackageDeploymentsService) {}

  @Post('package-assignments')
  @HttpCode(201)
  @ApiEndpoint({
    summary: 'Offer a package to the agents a selector or an id list names',
    role: 'operator',
    errors: { 400: 'Invalid target or ambiguous package', 404: 'No such package' },
  })
  @ApiCreatedResponse({ type: PackageAssignmentResponse })
  async assign(
    @Body() body: CreatePackageAssignmentRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<PackageAssignmentResponse> {
    const assignment = await this.deployments.assign(
      {
        packageId: body.package_id,
        name: body.name,
        version: body.version,
        platform: body.platform,
        arch: body.arch,
        selector: body.selector,
        agentIds: body.agent_ids,
        hold: body.hold,
      },
      user.id,
    );
    return toAssignmentResponse(assignment);
  }

  @Get('package-assignments')
  @ApiEndpoint({ summary: 'Every package assignment' })
  @ApiOkResponse({ type: [PackageAssignmentResponse] })
  async list(): Promise<PackageAssignmentResponse[]> {
    return (await this.deployments.listAssignments()).map(toAssignmentResponse);
  }

  @Delete('package-assignments/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'No longer offered' })
  @ApiEndpoint({ summary: 'Stop offering a package to these agents', role: 'operator', errors: { 404: 'Not found' } })
  async unassign(@Param('id', idPipe) id: number): Promise<void> {
    await this.deployments.unassign(id);
  }

  @Get('packages/:id/agents')
  @ApiEndpoint({ summary: "Agents' reported status of this package's name", errors: { 404: 'No such package' } })
  @ApiOkResponse({ type: [AgentPackageStatusResponse] })
  async ofPackage(@Param('id', idPipe) id: number): Promise<AgentPackageStatusResponse[]> {
    return (await this.deployments.statusesOfPackage(id)).map(toAgentPackageStatusResponse);
  }

  @Get('agents/:instance_uid/packages')
  @ApiEndpoint({ summary: 'The package statuses an agent last reported' })
  @ApiOkResponse({ type: [AgentPackageStatusResponse] })
  async ofAgent(@Param('instance_uid', ParseInstanceUidPipe) uid: string): Promise<AgentPackageStatusResponse[]> {
    return (await this.deployments.statusesOfAgent(uid)).map(toAgentPackageStatusResponse);
  }
}
