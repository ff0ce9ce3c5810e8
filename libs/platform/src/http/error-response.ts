import { ApiProperty } from '@nestjs/swagger';

/** The one shape of every error the API returns. */
export class ErrorResponse {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'Conflict' })
  error!: string;

  @ApiProperty({ example: 'cannot start a task that is in_progress' })
  message!: string;

  @ApiProperty({ required: false, example: { current_status: 'in_progress' }, type: Object })
  details?: Record<string, unknown>;
}
