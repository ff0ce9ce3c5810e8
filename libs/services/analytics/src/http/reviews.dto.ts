import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MODULE_IDS } from '@studypath/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';

export const REVIEW_PAGE_DEFAULT_LIMIT = 20;

export class ListReviewsQuery {
  @ApiProperty({ format: 'uuid', description: 'The study path whose review queue to list' })
  @IsUUID(undefined, { message: 'path_id must be the id (uuid) of one of your study paths' })
  path_id!: string;

  @ApiPropertyOptional({
    description: 'Only cards due before this instant (ISO 8601); every card when left out',
    example: '2026-11-08T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'due_before must be an ISO 8601 date-time' })
  due_before?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, {
    message: 'cursor must be the next_cursor of a previous page',
  })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: REVIEW_PAGE_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit?: number;
}

export class ReviewCardResponse {
  @ApiProperty({ example: 'two-sum-variants' }) problem_id!: string;
  @ApiProperty({ enum: MODULE_IDS }) module!: string;
  @ApiProperty({ example: ['arrays', 'hashing'] }) topics!: string[];
  @ApiProperty({ example: 2, description: "The problem's difficulty, 1-5" }) difficulty!: number;
  @ApiProperty({ enum: ['new', 'learning', 'review', 'relearning'], description: 'FSRS state' })
  state!: string;
  @ApiProperty({ example: '2026-11-12T09:30:00.000Z' }) due_at!: string;
  @ApiProperty({ example: '2026-11-12', description: "The due date in the path's time zone" })
  due_day!: string;
  @ApiProperty({ example: 6, description: 'Days between the last review and the next' })
  interval_days!: number;
  @ApiProperty({ enum: ['again', 'hard', 'good', 'easy'], description: 'docs/reviews.md' })
  last_rating!: string;
  @ApiProperty({ example: 3, description: 'Times a task on the problem ended' }) reviews!: number;
  @ApiProperty({ example: 'fsrs-deadline-1' }) scheduling_policy!: string;
  @ApiProperty({ description: 'A review task has been made for the card and has not ended' })
  review_pending!: boolean;
  @ApiProperty({ example: 0.93, description: 'Probability (FSRS) that you would recall it now' })
  retrievability!: number;
}

export class ReviewListResponse {
  @ApiProperty({ type: [ReviewCardResponse] }) items!: ReviewCardResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  next_cursor!: string | null;
}
