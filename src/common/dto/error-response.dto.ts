import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../error-codes.js';
import type { ErrorBody } from '../http-exception.filter.js';

/** The one body of every error the API returns (see HttpExceptionFilter). */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ example: 404 })
  statusCode: number;

  @ApiProperty({ example: 'Not Found', description: 'The HTTP reason phrase' })
  error: string;

  @ApiProperty({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    example: 'ConfigurationNotFound',
    description: 'Stable name of the case, for programs to branch on (the message may change)',
  })
  code: ErrorCode;

  @ApiProperty({ example: 'Configuration "prod" not found', description: 'What went wrong, for people' })
  message: string;

  @ApiPropertyOptional({ description: 'Also in the logs and the X-Request-Id header' })
  requestId?: string;
}
