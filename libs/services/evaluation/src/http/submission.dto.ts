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
  @ApiProperty({ description: "The test's position in the suite (sample tests first)" })
  index!: number;
  @ApiProperty({ description: 'A hidden test: only its index and a fixed category are shown' })
  hidden!: boolean;
  @ApiProperty({ enum: ['pass', 'fail', 'error', 'timeout', 'not_run'] }) status!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Sample tests: what went wrong (e.g. the exception). Hidden tests: one of "wrong answer", "runtime error", "time limit exceeded", "memory limit exceeded", "output limit exceeded"',
  })
  message!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The arguments as JSON, cut at 1,024 characters (sample tests only)',
  })
  input!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'As JSON (sample tests only)' })
  expected!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'As JSON (sample tests only)' })
  actual!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Wall-clock time of the call (sample tests only)',
  })
  time_ms!: number | null;
}

export class EvaluationView {
  @ApiProperty({ enum: EVALUATION_STATUSES }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) score!: number;
  @ApiProperty() passed_tests!: number;
  @ApiProperty() total_tests!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      "CPU time (user + system) of the whole sandboxed run, interpreter start-up included, from the kernel's accounting (10 ms resolution)",
  })
  runtime_ms!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "Peak resident memory of the sandboxed run, from the kernel's accounting",
  })
  memory_kb!: number | null;
  @ApiProperty({
    type: [TestSummary],
    description:
      'The tests that did not pass: sample tests with input, expected and actual; hidden tests by index and category only',
  })
  failing_tests!: TestSummary[];
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The first failure: e.g. the syntax error, or a sample test's exception; of a hidden test only its category",
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
