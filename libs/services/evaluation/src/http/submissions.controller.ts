import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import { SubmissionQueries } from '../application/submission-queries.service';
import { SubmissionQuery, SubmissionResponse } from './submission.dto';
import { submissionView } from './submission.view';

@ApiTags('submissions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('submissions')
export class SubmissionsController {
  constructor(private readonly submissions: SubmissionQueries) {}

  @Get(':id')
  @RateLimit('read')
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
    return submissionView(await this.submissions.get(user.id, id, query.wait));
  }
}
