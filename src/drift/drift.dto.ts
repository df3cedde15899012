import { ApiProperty } from '@nestjs/swagger';
import { DRIFT_STATES } from '../agents/agent.entity.js';
import type { DriftReport } from './drift.service.js';

class DriftDifferenceView {
  @ApiProperty({ description: 'Config map key (file name)' })
  file: string;

  @ApiProperty({ description: "Path in the parsed document, e.g. exporters.debug; '' for the whole file" })
  path: string;

  @ApiProperty({ nullable: true, description: 'Desired value (redacted); null when absent' })
  desired: unknown;

  @ApiProperty({ nullable: true, description: 'Effective value (redacted); null when absent' })
  effective: unknown;
}

class DriftConfigurationView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ nullable: true, type: String })
  name: string | null;

  @ApiProperty()
  version: number;
}

export class DriftResponse {
  @ApiProperty({ enum: DRIFT_STATES })
  status: string;

  @ApiProperty({ nullable: true, type: String, description: 'When the stored state was computed' })
  checked_at: string | null;

  @ApiProperty({ type: DriftConfigurationView, nullable: true, description: 'The desired configuration' })
  configuration: DriftConfigurationView | null;

  @ApiProperty({ type: [DriftDifferenceView] })
  differences: DriftDifferenceView[];

  @ApiProperty({ nullable: true, type: String, description: 'Unified diff desired -> effective (redacted)' })
  unified_diff: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'The desired file, redacted' })
  desired: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'The effective file compared with it, redacted' })
  effective: string | null;
}

export function toDriftResponse(report: DriftReport): DriftResponse {
  return {
    status: report.status,
    checked_at: report.checkedAt?.toISOString() ?? null,
    configuration: report.configuration,
    differences: report.differences,
    unified_diff: report.unifiedDiff,
    desired: report.desiredBody,
    effective: report.effectiveBody,
  };
}
