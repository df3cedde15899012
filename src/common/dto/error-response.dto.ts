import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorBody } from '../http-exception.filter.js';

/** The one body of every error the API returns (see HttpExceptionFilter). */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ example: 404 })
  statusCode: number;

  @ApiProperty({ example: 'Not Found', description: 'The HTTP reason phrase' })
  error: string;

  @ApiProperty({ example: 'Configuration "prod" not found', description: 'What went wrong, for people' })
  message: string;

  @ApiPropertyOptional({ description: 'Also in the logs and the X-Request-Id header' })
  requestId?: string;
}
