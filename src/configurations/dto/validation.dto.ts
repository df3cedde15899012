import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { CONTENT_TYPES, type ContentType } from '../config-content.js';
import type { ConfigCheck } from '../validation/config-check.js';
import { ConfigurationResponse } from './configuration.dto.js';

/** One finding of the validator, located as an editor shows it. */
export class ConfigIssueResponse {
  @ApiProperty({ example: 'service.pipelines.traces.exporters[1]', description: 'YAML path ("" for a syntax error)' })
  path: string;

  @ApiProperty({ description: '1-based line' })
  line: number;

  @ApiProperty({ description: '1-based column' })
  column: number;

  @ApiProperty({ example: 'exporter "otlp/2" is not defined under exporters or connectors' })
  message: string;
}

export class ValidateConfigurationRequest {
  @ApiProperty({ example: 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\nservice: ...' })
  @IsString()
  raw_config: string;

  @ApiPropertyOptional({ enum: CONTENT_TYPES, default: 'text/yaml' })
  @IsOptional()
  @IsIn(CONTENT_TYPES)
  content_type?: ContentType;
}

export class ValidationResponse {
  @ApiProperty({ description: 'No errors: a create or update with this content would be accepted' })
  valid: boolean;

  @ApiProperty({
    description:
      'The content was judged as a whole OpenTelemetry Collector config (YAML with a top-level service); ' +
      'other content is only checked to parse as its content type',
  })
  collector_config: boolean;

  @ApiProperty({ type: [ConfigIssueResponse], description: 'Syntax errors, or what the Collector would refuse' })
  errors: ConfigIssueResponse[];

  @ApiProperty({
    type: [ConfigIssueResponse],
    description: 'What the Collector accepts but ignores (unused components)',
  })
  warnings: ConfigIssueResponse[];
}

/** The saved configuration and what the validator noticed without refusing it. */
export class ConfigurationWriteResponse extends ConfigurationResponse {
  @ApiProperty({
    type: [ConfigIssueResponse],
    description: 'Validator warnings on the saved content (empty when none, or when the content did not change)',
  })
  warnings: ConfigIssueResponse[];
}

export function toValidationResponse(check: ConfigCheck): ValidationResponse {
  return {
    valid: check.errors.length === 0,
    collector_config: check.collectorConfig,
    errors: check.errors,
    warnings: check.warnings,
  };
}
