import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import { ReviewQueries } from '../application/review-queries.service';
import { ListReviewsQuery, REVIEW_PAGE_DEFAULT_LIMIT, ReviewListResponse } from './reviews.dto';

@ApiTags('reviews')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller()
export class ReviewsController {
  constructor(private readonly queries: ReviewQueries) {}

  @Get('reviews')
  @RateLimit('read')
  @ApiOperation({
    summary:
      "Your path's review queue: one spaced-repetition card per problem you finished, by due time (docs/reviews.md)",
  })
  @ApiOkResponse({ type: ReviewListResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such path of yours' })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListReviewsQuery,
  ): Promise<ReviewListResponse> {
    const page = await this.queries.list(
      user.id,
      query.path_id,
      {
        dueBefore: query.due_before === undefined ? undefined : new Date(query.due_before),
        cursor: query.cursor,
        limit: query.limit ?? REVIEW_PAGE_DEFAULT_LIMIT,
      },
      new Date(),
    );
    return {
      items: page.items.map((c) => ({
        problem_id: c.problem_id,
        module: c.module,
        topics: c.topics,
        difficulty: c.difficulty,
        state: c.state,
        due_at: c.due_at.toISOString(),
        due_day: c.due_day,
        interval_days: c.interval_days,
        last_rating: c.last_rating,
        reviews: c.reviews,
        scheduling_policy: c.scheduling_policy,
        review_pending: c.pending_review_id !== null,
        retrievability: Math.round(c.retrievability * 1000) / 1000,
      })),
      next_cursor: page.nextCursor,
    };
  }
}
