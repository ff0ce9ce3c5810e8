import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import type { Request, Response } from 'express';
import { ProgressQueries } from '../application/progress-queries.service';
import { withEntityTag } from './entity-tag';
import {
  DashboardResponse,
  ModulePercentilesResponse,
  PercentilesResponse,
  ProgressResponse,
  TimelineQueryDto,
  TimelineResponse,
} from './progress.dto';
import {
  dashboardResponse,
  percentilesResponse,
  progressResponse,
  timelineResponse,
} from './progress.view';

const IfNoneMatch = ApiHeader({
  name: 'If-None-Match',
  required: false,
  description: 'The ETag of an answer you hold: 304 when it is still current',
});
const NotModified = ApiNotModifiedResponse({ description: 'Your copy (If-None-Match) is current' });

@ApiTags('progress')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller()
export class ProgressController {
  constructor(private readonly queries: ProgressQueries) {}

  @Get('study-paths/:id/progress')
  @RateLimit('read')
  @ApiOperation({
    summary:
      "Your path's progress: per module and topic, mastery, streaks, rates (docs/progress.md)",
  })
  @IfNoneMatch
  @ApiOkResponse({ type: ProgressResponse })
  @NotModified
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such path of yours' })
  async progress(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ProgressResponse | undefined> {
    const { etag, value } = await this.queries.progress(user.id, id, new Date());
    return withEntityTag(request, response, etag, () => progressResponse(id, value));
  }

  @Get('study-paths/:id/progress/timeline')
  @RateLimit('read')
  @ApiOperation({
    summary: 'Difficulty, tasks completed, accuracy and time spent per local day or ISO week',
  })
  @IfNoneMatch
  @ApiOkResponse({ type: TimelineResponse })
  @NotModified
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such path of yours' })
  async timeline(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: TimelineQueryDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TimelineResponse | undefined> {
    const { etag, value } = await this.queries.timeline(
      user.id,
      id,
      { from: query.from, to: query.to, bucket: query.bucket ?? 'day' },
      new Date(),
    );
    return withEntityTag(request, response, etag, () => timelineResponse(value));
  }

  @Get('study-paths/:id/percentiles')
  @RateLimit('read')
  @ApiOperation({
    summary:
      'Where you stand per module among the learners of your track: anonymous accuracy and completed-task percentiles, for cohorts of at least 20 (docs/progress.md)',
  })
  @IfNoneMatch
  @ApiExtraModels(ModulePercentilesResponse)
  @ApiOkResponse({ type: PercentilesResponse })
  @NotModified
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such path of yours' })
  async percentiles(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PercentilesResponse | undefined> {
    const { etag, value } = await this.queries.percentiles(user.id, id);
    return withEntityTag(request, response, etag, () => percentilesResponse(id, value));
  }

  @Get('dashboard')
  @RateLimit('read')
  @ApiOperation({
    summary:
      "Your home screen: next task, streak, this week's tasks, accuracy trend, weakest topics, days to the interview",
  })
  @IfNoneMatch
  @ApiOkResponse({ type: DashboardResponse })
  @NotModified
  async dashboard(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DashboardResponse | undefined> {
    const { etag, value } = await this.queries.dashboard(user.id, new Date());
    return withEntityTag(request, response, etag, () => dashboardResponse(value));
  }
}
