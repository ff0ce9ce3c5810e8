import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EvaluationStatus } from '@studypath/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The longest a client may wait on one GET for a submission to finish. */
export const MAX_WAIT_MS = 25_000;

/** The statuses an evaluation can have, as the contracts define them. */
const EVALUATION_STATUSES = EvaluationStatus.anyOf.map((status) => status.const);

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
  @ApiProperty({ enum: EVALUATION_STATUSES }) status!: string;
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
