import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  ApplicationError,
  CurrentUser,
  ErrorResponse,
  InjectDataSource,
  type AuthenticatedUser,
} from '@studypath/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { DataSource } from 'typeorm';

/** The longest a client may wait on one GET for a submission to finish. */
export const MAX_WAIT_MS = 25_000;

class SubmissionNotFound extends ApplicationError {
  readonly status = 404;
}

export class SubmissionQuery {
  @ApiPropertyOptional({
    description: `Wait up to this many ms for the evaluation to finish (max ${MAX_WAIT_MS})`,
    example: 5000,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_MS)
  wait?: number;
}

export class TestSummary {
  @ApiProperty() index!: number;
  @ApiProperty({ enum: ['pass', 'fail', 'error', 'timeout', 'not_run'] }) status!: string;
  @ApiProperty({ nullable: true, type: Number }) time_ms!: number | null;
}

export class EvaluationView {
  @ApiProperty({
    enum: [
      'passed',
      'failed',
      'error',
      'timeout',
      'memory_limit',
      'syntax_error',
      'infrastructure_error',
    ],
  })
  status!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) score!: number;
  @ApiProperty() passed_tests!: number;
  @ApiProperty() total_tests!: number;
  @ApiProperty({ nullable: true, type: Number }) runtime_ms!: number | null;
  @ApiProperty({ nullable: true, type: Number }) memory_kb!: number | null;
  @ApiProperty({
    type: [TestSummary],
    description: 'The hidden tests that did not pass (their inputs stay hidden)',
  })
  failing_tests!: TestSummary[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'e.g. the syntax error or the exception',
  })
  message!: string | null;
  @ApiProperty({ nullable: true, type: String }) test_suite_hash!: string | null;
}

export class SubmissionResponse {
  @ApiProperty({ format: 'uuid' }) submission_id!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) status!: string;
  @ApiProperty({ enum: ['python', 'javascript'] }) language!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ type: EvaluationView, nullable: true }) evaluation!: EvaluationView | null;
  @ApiProperty() queued_at!: string;
  @ApiProperty({ nullable: true, type: String }) finished_at!: string | null;
}

interface Row {
  submission_id: string;
  task_id: string;
  state: string;
  language: string;
  attempt: number;
  status: string | null;
  score: number | null;
  passed_tests: number | null;
  total_tests: number | null;
  runtime_ms: number | null;
  memory_kb: number | null;
  tests: { index: number; status: string; time_ms: number | null }[] | null;
  message: string | null;
  test_suite_hash: string | null;
  queued_at: Date;
  finished_at: Date | null;
}

function view(row: Row): SubmissionResponse {
  const done = row.state === 'completed' || row.state === 'failed';
  return {
    submission_id: row.submission_id,
    task_id: row.task_id,
    status: row.state,
    language: row.language,
    attempt: row.attempt,
    evaluation: done
      ? {
          status: row.status ?? 'infrastructure_error',
          score: row.score ?? 0,
          passed_tests: row.passed_tests ?? 0,
          total_tests: row.total_tests ?? 0,
          runtime_ms: row.runtime_ms,
          memory_kb: row.memory_kb,
          failing_tests: (row.tests ?? [])
            .filter((t) => t.status !== 'pass')
            .map((t) => ({ index: t.index, status: t.status, time_ms: t.time_ms })),
          message: row.message,
          test_suite_hash: row.test_suite_hash,
        }
      : null,
    queued_at: new Date(row.queued_at).toISOString(),
    finished_at: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}

@ApiTags('submissions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('submissions')
export class SubmissionsController {
  constructor(@InjectDataSource('evaluation') private readonly dataSource: DataSource) {}

  @Get(':id')
  @ApiOperation({
    summary: 'A submission and, once run, its evaluation; `wait` long-polls until it finishes',
  })
  @ApiOkResponse({ type: SubmissionResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'Not yours, or not known yet (retry with wait)',
  })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: SubmissionQuery,
  ): Promise<SubmissionResponse> {
    const deadline = Date.now() + (query.wait ?? 0);
    for (;;) {
      const rows = (await this.dataSource.query(
        'SELECT * FROM evaluation.task_evaluations WHERE submission_id = $1 AND user_id = $2',
        [id, user.id],
      )) as Row[];
      const row = rows[0];
      if (row && (row.state === 'completed' || row.state === 'failed' || Date.now() >= deadline))
        return view(row);
      if (!row && Date.now() >= deadline)
        throw new SubmissionNotFound('submission not found (or not received yet)');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
