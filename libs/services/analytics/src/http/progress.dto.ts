import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export class TimelineQueryDto {
  @ApiPropertyOptional({
    example: '2026-03-01',
    description:
      "First local date (the path's time zone); default: 30 days or 12 weeks before `to`",
  })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date (YYYY-MM-DD)' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-31', description: 'Last local date; default: today' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date (YYYY-MM-DD)' })
  to?: string;

  @ApiPropertyOptional({ enum: ['day', 'week'], default: 'day' })
  @IsOptional()
  @IsIn(['day', 'week'], { message: 'bucket must be day or week' })
  bucket?: 'day' | 'week';
}

export class ModuleProgressResponse {
  @ApiProperty({ example: 15, description: 'Tasks completed (passed)' }) completed!: number;
  @ApiProperty({ example: 25, description: 'Tasks created in the module so far' }) total!: number;
  @ApiProperty({ example: 18 }) attempted!: number;
  @ApiProperty({ example: 2 }) skipped!: number;
  @ApiProperty({ example: 1 }) expired!: number;
  @ApiProperty({ example: 22, description: 'Counted evaluations' }) attempts!: number;
  @ApiProperty({ example: 0.73, nullable: true }) accuracy!: number | null;
  @ApiProperty({ example: 1200, nullable: true }) avg_time_seconds!: number | null;
  @ApiProperty({ example: 21600 }) time_spent_seconds!: number;
  @ApiProperty({ example: 3, nullable: true }) current_difficulty!: number | null;
  @ApiProperty({ example: 4 }) hints_used!: number;
  @ApiProperty({ example: 0.62, nullable: true, description: '0-1 (model elo-1)' })
  mastery!: number | null;
}

export class TopicProgressResponse {
  @ApiProperty({ example: 12 }) attempts!: number;
  @ApiProperty({ example: 0.75, nullable: true }) accuracy!: number | null;
  @ApiProperty({ example: 0.58, nullable: true }) mastery!: number | null;
}

export class StreaksResponse {
  @ApiProperty({ example: 3 }) current!: number;
  @ApiProperty({ example: 9 }) longest!: number;
  @ApiProperty({ example: '2026-03-07', nullable: true }) last_active_day!: string | null;
}

export class ProgressResponse {
  @ApiProperty({ format: 'uuid' }) path_id!: string;
  @ApiProperty({ example: 'Europe/Dublin' }) timezone!: string;
  @ApiProperty({ example: '2026-03-07', description: "Today's local date in the path's zone" })
  today!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ModuleProgressResponse' },
    example: {
      'arrays-strings': {
        completed: 15,
        total: 25,
        attempted: 18,
        skipped: 2,
        expired: 1,
        attempts: 22,
        accuracy: 0.73,
        avg_time_seconds: 1200,
        time_spent_seconds: 21600,
        current_difficulty: 3,
        hints_used: 4,
        mastery: 0.62,
      },
    },
  })
  modules!: Record<string, ModuleProgressResponse>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/TopicProgressResponse' },
    example: { 'hash-map': { attempts: 12, accuracy: 0.75, mastery: 0.58 } },
  })
  topics!: Record<string, TopicProgressResponse>;
  @ApiProperty({ example: 0.68, nullable: true }) overall_accuracy!: number | null;
  @ApiProperty({ example: 3, nullable: true }) current_difficulty!: number | null;
  @ApiProperty({ example: 0.6, nullable: true, description: 'Completed / created tasks' })
  completion_rate!: number | null;
  @ApiProperty({ example: 0.72, nullable: true, description: 'Attempted / created tasks' })
  engagement_rate!: number | null;
  @ApiProperty({
    example: 0.8,
    nullable: true,
    description: 'Completed without a hint / completed',
  })
  hint_independence!: number | null;
  @ApiProperty({ example: 15 }) tasks_created!: number;
  @ApiProperty({ example: 9 }) tasks_completed!: number;
  @ApiProperty({ example: 40200 }) time_spent_seconds!: number;
  @ApiProperty({ example: 6 }) hints_used!: number;
  @ApiProperty({ type: StreaksResponse }) streaks!: StreaksResponse;
  @ApiProperty({ example: 45, nullable: true }) days_to_interview!: number | null;
}

export class TimelineBucketResponse {
  @ApiProperty({ example: '2026-03-02', description: 'The local day, or the Monday of the week' })
  start!: string;
  @ApiProperty({ example: 2 }) completed!: number;
  @ApiProperty({ example: 3 }) attempts!: number;
  @ApiProperty({ example: 0.67, nullable: true }) accuracy!: number | null;
  @ApiProperty({ example: 2400 }) time_spent_seconds!: number;
  @ApiProperty({
    example: 2.5,
    nullable: true,
    description: 'Mean difficulty of the tasks completed',
  })
  avg_difficulty!: number | null;
}

export class TimelineResponse {
  @ApiProperty({ enum: ['day', 'week'] }) bucket!: string;
  @ApiProperty({ example: '2026-03-01' }) from!: string;
  @ApiProperty({ example: '2026-03-07' }) to!: string;
  @ApiProperty({ type: [TimelineBucketResponse] }) buckets!: TimelineBucketResponse[];
}

export class NextTaskSummary {
  @ApiProperty({ format: 'uuid' }) path_id!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: 'two-sum' }) problem_id!: string;
  @ApiProperty({ example: 'arrays-strings' }) module!: string;
  @ApiProperty({ example: 2 }) difficulty!: number;
  @ApiProperty({ enum: ['pending', 'in_progress', 'submitted'] }) status!: string;
}

export class WeekAccuracyResponse {
  @ApiProperty({ example: '2026-03-02' }) week_start!: string;
  @ApiProperty({ example: 7 }) attempts!: number;
  @ApiProperty({ example: 0.71, nullable: true }) accuracy!: number | null;
}

export class WeakTopicResponse {
  @ApiProperty({ format: 'uuid' }) path_id!: string;
  @ApiProperty({ example: 'dynamic-programming' }) topic!: string;
  @ApiProperty({ example: 0.21 }) mastery!: number;
  @ApiProperty({ example: 0.33, nullable: true }) accuracy!: number | null;
  @ApiProperty({ example: 3 }) attempts!: number;
}

export class ReviewFiguresResponse {
  @ApiProperty({ example: 14, description: 'Cards in the review queue' }) cards!: number;
  @ApiProperty({ example: 2, description: "Reviews due today (the path's time zone)" })
  due_today!: number;
  @ApiProperty({ example: 1, description: 'Reviews due on an earlier day, not done yet' })
  overdue!: number;
  @ApiProperty({
    example: 0.87,
    nullable: true,
    description:
      'Mean probability (FSRS) that you would recall the reviewed problems now; null without a card',
  })
  retention_estimate!: number | null;
}

export class DashboardPathResponse {
  @ApiProperty({ format: 'uuid' }) path_id!: string;
  @ApiProperty({ example: 'meta-swe', nullable: true }) track_id!: string | null;
  @ApiProperty({ enum: ['active', 'paused', 'archived'] }) status!: string;
  @ApiProperty({ example: 9 }) tasks_completed!: number;
  @ApiProperty({ example: 15 }) tasks_created!: number;
  @ApiProperty({ example: 0.68, nullable: true }) overall_accuracy!: number | null;
  @ApiProperty({ example: 3 }) current_streak!: number;
  @ApiProperty({ example: 45, nullable: true }) days_to_interview!: number | null;
  @ApiProperty({ type: ReviewFiguresResponse }) reviews!: ReviewFiguresResponse;
}

export class DashboardResponse {
  @ApiProperty({ example: '2026-03-07' }) today!: string;
  @ApiProperty({ type: NextTaskSummary, nullable: true }) next_task!: NextTaskSummary | null;
  @ApiProperty({ example: { current: 3, longest: 9 } })
  streak!: { current: number; longest: number };
  @ApiProperty({ example: 4 }) tasks_completed_this_week!: number;
  @ApiProperty({ type: [WeekAccuracyResponse] }) accuracy_trend!: WeekAccuracyResponse[];
  @ApiProperty({ type: [WeakTopicResponse] }) weakest_topics!: WeakTopicResponse[];
  @ApiProperty({ example: 45, nullable: true }) days_to_interview!: number | null;
  @ApiProperty({ type: ReviewFiguresResponse, description: 'Across your open paths' })
  reviews!: ReviewFiguresResponse;
  @ApiProperty({ type: [DashboardPathResponse] }) paths!: DashboardPathResponse[];
}

export class PercentileResponse {
  @ApiProperty({
    example: 72,
    nullable: true,
    description:
      'Share (0-100) of the other learners of the track, with an attempt in the module, whose figure is lower than yours',
  })
  percentile!: number | null;

  @ApiProperty({
    example: null,
    nullable: true,
    enum: ['cohort smaller than 20', 'no attempts in this module yet'],
    description: 'Why there is no percentile (null when there is one)',
  })
  reason!: string | null;
}

export class ModulePercentilesResponse {
  @ApiProperty({
    example: 143,
    nullable: true,
    description:
      'Learners of the track with an attempt in the module, you included; null below the minimum cohort',
  })
  cohort_size!: number | null;

  @ApiProperty({ type: PercentileResponse, description: 'Accuracy: passing / counted evaluations' })
  accuracy!: PercentileResponse;

  @ApiProperty({ type: PercentileResponse, description: 'Tasks completed' })
  completed!: PercentileResponse;
}

export class PercentilesResponse {
  @ApiProperty({ format: 'uuid' }) path_id!: string;
  @ApiProperty({ example: 'meta-swe', nullable: true }) track_id!: string | null;
  @ApiProperty({ example: 20, description: 'The smallest cohort a percentile is shown for' })
  min_cohort!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ModulePercentilesResponse' },
    example: {
      'arrays-strings': {
        cohort_size: 143,
        accuracy: { percentile: 72, reason: null },
        completed: { percentile: 55, reason: null },
      },
      graphs: {
        cohort_size: null,
        accuracy: { percentile: null, reason: 'cohort smaller than 20' },
        completed: { percentile: null, reason: 'cohort smaller than 20' },
      },
    },
  })
  modules!: Record<string, ModulePercentilesResponse>;
}
