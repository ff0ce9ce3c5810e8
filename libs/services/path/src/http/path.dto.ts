import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEFAULT_TRACK_ID, MODULE_IDS } from '@studypath/contracts';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsTimeZone,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { AUDIT_BATCH_DEFAULT_LIMIT } from '../application/audit-trail';
import {
  PATH_CONFIG_DEFAULTS as DEFAULTS,
  SELF_ASSESSMENT_LEVELS,
  SELF_ASSESSMENTS,
  type PathConfigRequest,
  type SelfAssessment,
} from '../domain/path-config';

/** A JSON object whose keys are module ids and whose values are numbers in [min, max]. */
function IsModuleRecord(
  min: number,
  max: number,
  integer: boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isModuleRecord',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value).every(
            ([key, v]) =>
              (MODULE_IDS as readonly string[]).includes(key) &&
              typeof v === 'number' &&
              Number.isFinite(v) &&
              (!integer || Number.isInteger(v)) &&
              v >= min &&
              v <= max,
          ),
        defaultMessage: (args) =>
          `${args?.property ?? 'the value'} must map module ids (${MODULE_IDS.join(', ')}) to ${integer ? 'integers' : 'numbers'} from ${min} to ${max}`,
      },
    },
    options,
  );
}

const SELF_ASSESSED_LEVELS = SELF_ASSESSMENTS.map((a) => `${a} ${SELF_ASSESSMENT_LEVELS[a]}`).join(
  ', ',
);

export class PathConfigInput implements PathConfigRequest {
  @ApiPropertyOptional({
    example: '2027-03-15',
    nullable: true,
    description:
      "The interview date, if known: today or later in the path's time zone (an earlier date is a 400)",
  })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, {
    message: 'target_interview_date must be a date (YYYY-MM-DD)',
  })
  target_interview_date?: string | null;

  @ApiPropertyOptional({
    example: 'Europe/Dublin',
    description: `IANA time zone; default ${DEFAULTS.timezone}`,
  })
  @IsOptional()
  @IsTimeZone({ message: 'timezone must be an IANA time zone such as Europe/Dublin' })
  timezone?: string;

  @ApiPropertyOptional({
    example: 6,
    minimum: 1,
    maximum: 80,
    description: `Default ${DEFAULTS.hours_per_week}`,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(80)
  hours_per_week?: number;

  @ApiPropertyOptional({
    example: { graphs: 2, 'dynamic-programming': 1 },
    description:
      'Starting difficulty (1-5) per module; modules left out start at the self-assessed level',
  })
  @IsOptional()
  @IsModuleRecord(1, 5, true)
  starting_levels?: Record<string, number>;

  @ApiPropertyOptional({
    enum: SELF_ASSESSMENTS,
    description: `Sets the starting level of every module not in starting_levels: ${SELF_ASSESSED_LEVELS}`,
  })
  @IsOptional()
  @IsIn(SELF_ASSESSMENTS)
  self_assessment?: SelfAssessment;

  @ApiPropertyOptional({
    example: { graphs: 2 },
    description: `Extra weight (0-10, default ${DEFAULTS.personalization_weight}) per module`,
  })
  @IsOptional()
  @IsModuleRecord(0, 10, false)
  personalization_weights?: Record<string, number>;

  @ApiPropertyOptional({
    example: 5,
    minimum: 1,
    maximum: 50,
    description: `Pending tasks kept ahead; default ${DEFAULTS.pending_tasks_ahead}`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  pending_tasks_ahead?: number;

  @ApiPropertyOptional({
    example: DEFAULTS.max_attempts,
    minimum: 1,
    maximum: 10,
    description: `Attempts per task before it fails; default ${DEFAULTS.max_attempts}`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  max_attempts?: number;

  @ApiPropertyOptional({
    example: 7,
    minimum: 1,
    maximum: 90,
    description: `Days a task may wait unstarted; default ${DEFAULTS.expiry_days}`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(90)
  expiry_days?: number;
}

export class CreateStudyPathRequest {
  @ApiProperty({ example: DEFAULT_TRACK_ID })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  track_id!: string;

  @ApiPropertyOptional({ type: PathConfigInput })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PathConfigInput)
  config?: PathConfigInput;
}

export class ReasonRequest {
  @ApiPropertyOptional({ example: 'on vacation', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class EventsQuery {
  @ApiPropertyOptional({ description: 'Return events after this global position', example: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: AUDIT_BATCH_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class StudyPathResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: DEFAULT_TRACK_ID }) track_id!: string;
  @ApiProperty({ enum: ['active', 'paused', 'archived'] }) status!: string;
  @ApiProperty({
    example: {
      target_interview_date: '2027-03-15',
      timezone: 'Europe/Dublin',
      hours_per_week: 6,
      starting_levels: { 'arrays-strings': 2 },
      personalization_weights: { graphs: 2 },
      pending_tasks_ahead: DEFAULTS.pending_tasks_ahead,
      max_attempts: DEFAULTS.max_attempts,
      expiry_days: DEFAULTS.expiry_days,
    },
  })
  config!: Record<string, unknown>;
  @ApiProperty({
    example: { generation: 'generation-2', scheduling: 'fsrs-deadline-1' },
    description:
      'The versions of task generation and review scheduling the path runs (docs/reviews.md); a new path gets the newest, an operator moves an existing one',
  })
  policies!: { generation: string; scheduling: string };
  @ApiProperty({ description: 'The stream position this view reflects' }) version!: number;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
}

export class AuditEvent {
  @ApiProperty({ format: 'uuid' }) event_id!: string;
  @ApiProperty({ example: 'task.submitted' }) event_type!: string;
  @ApiProperty() schema_version!: number;
  @ApiProperty({ example: 'task-0d3c6a51-9a7e-4f0e-b1a2-3c4d5e6f7a8b' }) stream_id!: string;
  @ApiProperty() stream_position!: number;
  @ApiProperty() global_position!: number;
  @ApiProperty() occurred_at!: string;
  @ApiProperty({ type: Object }) data!: Record<string, unknown>;
}

export class AuditEventsPage {
  @ApiProperty({ type: [AuditEvent] }) events!: AuditEvent[];
  @ApiProperty({
    nullable: true,
    description: 'Pass as `after` for the next batch; null at the end',
    type: Number,
  })
  next_after!: number | null;
}
