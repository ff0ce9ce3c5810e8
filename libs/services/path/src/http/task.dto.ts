import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEFAULT_TRACK_ID, HINT_LADDER_LEVELS, MODULE_IDS } from '@studypath/contracts';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { TASK_PAGE_DEFAULT_LIMIT } from '../application/task-queries.service';

export const TASK_STATUSES = [
  'pending',
  'in_progress',
  'submitted',
  'completed',
  'failed',
  'skipped',
  'expired',
] as const;
export const TASK_SOURCES = ['initial', 'adaptive', 'review'] as const;
export const LANGUAGES = ['python', 'javascript'] as const;
/** Submitted code above this many bytes is refused with 413. */
export const MAX_CODE_BYTES = 64 * 1024;

export class ListTasksQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  path_id?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: (typeof TASK_STATUSES)[number];

  @ApiPropertyOptional({ enum: MODULE_IDS })
  @IsOptional()
  @IsIn(MODULE_IDS)
  module?: string;

  @ApiPropertyOptional({ enum: TASK_SOURCES })
  @IsOptional()
  @IsIn(TASK_SOURCES)
  source?: string;

  @ApiPropertyOptional({
    description: 'Tasks created at or after (ISO 8601)',
    example: '2026-11-01T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Tasks created before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, {
    message: 'cursor must be the next_cursor of a previous page',
  })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: TASK_PAGE_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class NextTaskQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: `Default: your active path on the ${DEFAULT_TRACK_ID} track`,
  })
  @IsOptional()
  @IsUUID()
  path_id?: string;
}

export class UpdateTaskStatusRequest {
  @ApiProperty({ enum: ['in_progress', 'skipped'], description: 'Start the task, or skip it' })
  @IsIn(['in_progress', 'skipped'], { message: 'status must be in_progress (start) or skipped' })
  status!: 'in_progress' | 'skipped';

  @ApiPropertyOptional({ maxLength: 500, example: 'already know this one' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class SubmitRequest {
  @ApiProperty({ enum: LANGUAGES })
  @IsIn(LANGUAGES, { message: 'language must be python or javascript' })
  language!: (typeof LANGUAGES)[number];

  @ApiProperty({
    example: 'def courier_reach(n, roads, start):\n    ...',
    description: `At most ${MAX_CODE_BYTES} bytes (UTF-8)`,
  })
  @IsString()
  @Matches(/\S/, { message: 'code must not be empty' })
  code!: string;
}

export class SubmissionAccepted {
  @ApiProperty({ format: 'uuid' }) submission_id!: string;
  @ApiProperty({ enum: ['queued'] }) status!: 'queued';
}

const isWithinCodeBytes = (value: unknown): boolean =>
  typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= MAX_CODE_BYTES;

export class HintRequest {
  @ApiPropertyOptional({
    example: 'def courier_reach(n, roads, start):\n    ...',
    description: `The code you have now, at most ${MAX_CODE_BYTES} bytes (UTF-8)`,
  })
  @IsOptional()
  @IsString()
  @ValidateBy(
    { name: 'maxCodeBytes', validator: { validate: isWithinCodeBytes } },
    { message: `code must be at most ${MAX_CODE_BYTES} bytes (UTF-8)` },
  )
  code?: string;
}

export class HintAccepted {
  @ApiProperty({ format: 'uuid' }) hint_id!: string;
  @ApiProperty({
    minimum: 1,
    maximum: HINT_LADDER_LEVELS,
    description: 'The level of the hint ladder asked for',
  })
  level!: number;

  @ApiProperty({
    example: '/v1/hints/0d9f1c2a-5b7e-4c1d-9a2f-3e4b5c6d7e8f/stream',
    description: "Where the hint's text will stream (server-sent events)",
  })
  stream_url!: string;
}

export class StudyTaskResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) path_id!: string;
  @ApiProperty({ example: 'graph-courier-reach' }) problem_id!: string;
  @ApiProperty({ enum: MODULE_IDS }) module!: string;
  @ApiProperty({ example: ['bfs'] }) topics!: string[];
  @ApiProperty({ minimum: 1, maximum: 5 }) difficulty!: number;
  @ApiProperty() order!: number;
  @ApiProperty({ enum: TASK_SOURCES }) source!: string;
  @ApiProperty({ enum: TASK_STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() max_attempts!: number;
  @ApiProperty() hints_used!: number;
  @ApiProperty({ nullable: true, type: Number }) time_spent_seconds!: number | null;
  @ApiProperty({ nullable: true, type: String }) last_submission_id!: string | null;
  @ApiProperty({ nullable: true, type: Object }) last_evaluation!: Record<string, unknown> | null;
  @ApiProperty({
    type: Object,
    example: {
      review: {
        review_id: '0d9f1c2a-5b7e-4c1d-9a2f-3e4b5c6d7e8f',
        card_state: 'review',
        due_at: '2026-11-12T09:30:00.000Z',
        last_interval_days: 6,
        scheduling_policy: 'fsrs-deadline-1',
      },
    },
    description:
      'What the task was made from; a review task (source review) names its review: id, card state, due date, last interval, scheduling policy',
  })
  metadata!: Record<string, unknown>;
  @ApiProperty() version!: number;
  @ApiProperty() created_at!: string;
  @ApiProperty({ nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) completed_at!: string | null;
  @ApiProperty() updated_at!: string;
}

export class ProblemView {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'Markdown' }) statement!: string;
  @ApiProperty() difficulty!: number;
  @ApiProperty({ type: [String] }) constraints!: string[];
  @ApiProperty({ type: [Object] }) examples!: unknown[];
  @ApiProperty({ type: Object, description: 'Parameters, return type, and a stub per language' })
  signature!: Record<string, unknown>;
}

export class NextTaskResponse {
  @ApiProperty({ type: StudyTaskResponse }) task!: StudyTaskResponse;
  @ApiProperty({ type: ProblemView, nullable: true }) problem!: ProblemView | null;
}

export class TaskPage {
  @ApiProperty({ type: [StudyTaskResponse] }) items!: StudyTaskResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  next_cursor!: string | null;
}
