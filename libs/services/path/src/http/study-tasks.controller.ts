import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  PayloadTooLargeException,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { HINT_LADDER_LEVELS } from '@studypath/contracts';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import { TaskCommands } from '../application/task-commands.service';
import { TaskQueries } from '../application/task-queries.service';
import { HintTooSoonError, InvalidCommandError } from '../domain/domain-errors';
import { HINT_IN_FLIGHT_TIMEOUT_MS, HINT_MIN_INTERVAL_MS } from '../domain/task.decider';
import { AuditEventsPage, EventsQuery } from './path.dto';
import {
  HintAccepted,
  HintRequest,
  ListTasksQuery,
  MAX_CODE_BYTES,
  NextTaskQuery,
  NextTaskResponse,
  StudyTaskResponse,
  SubmissionAccepted,
  SubmitRequest,
  TaskPage,
  UpdateTaskStatusRequest,
} from './task.dto';
import { auditPage, decodeCursor, encodeCursor, problemView, taskView } from './views';

@ApiTags('study tasks')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller('study-tasks')
export class StudyTasksController {
  constructor(
    private readonly tasks: TaskCommands,
    private readonly queries: TaskQueries,
  ) {}

  @Get()
  @RateLimit('read')
  @ApiOperation({ summary: 'Your tasks, newest first, filtered, a page at a time' })
  @ApiOkResponse({ type: TaskPage })
  @ApiBadRequestResponse({ type: ErrorResponse })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListTasksQuery,
  ): Promise<TaskPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !after)
      throw new InvalidCommandError('cursor must be the next_cursor of a previous page');
    const { items, more } = await this.queries.page({
      userId: user.id,
      pathId: query.path_id,
      status: query.status,
      module: query.module,
      source: query.source,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      after,
      limit: query.limit,
    });
    const last = items.at(-1);
    return { items: items.map(taskView), next_cursor: more && last ? encodeCursor(last) : null };
  }

  @Get('next')
  @RateLimit('read')
  @ApiOperation({ summary: 'The task to do next on a path, with its problem statement' })
  @ApiOkResponse({ type: NextTaskResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'No open path, or nothing left to do on it',
  })
  async next(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: NextTaskQuery,
  ): Promise<NextTaskResponse> {
    const { task, problem } = await this.queries.next(user.id, query.path_id);
    return { task: taskView(task), problem: problem ? problemView(problem) : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your tasks' })
  @ApiOkResponse({ type: StudyTaskResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<StudyTaskResponse> {
    return taskView(await this.queries.mustFind(user.id, id));
  }

  @Patch(':id/status')
  @ApiOperation({ summary: 'Start a task (in_progress) or skip it (skipped)' })
  @ApiOkResponse({ type: StudyTaskResponse })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'Not allowed from the current status (named in details)',
  })
  async updateStatus(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateTaskStatusRequest,
  ): Promise<StudyTaskResponse> {
    const command =
      body.status === 'in_progress'
        ? ({ type: 'start' } as const)
        : ({ type: 'skip', reason: body.reason } as const);
    return taskView(await this.tasks.execute(user.id, id, command));
  }

  @Post(':id/submit')
  @RateLimit('submit')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Submit code for evaluation; follow it with GET /v1/submissions/{submission_id}',
  })
  @ApiAcceptedResponse({ type: SubmissionAccepted })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Unknown language or empty code' })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'A submission is being evaluated, or the task is finished',
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorResponse,
    description: `Code over ${MAX_CODE_BYTES} bytes`,
  })
  async submit(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SubmitRequest,
  ): Promise<SubmissionAccepted> {
    const bytes = Buffer.byteLength(body.code, 'utf8');
    if (bytes > MAX_CODE_BYTES) {
      throw new PayloadTooLargeException(`code is ${bytes} bytes; the limit is ${MAX_CODE_BYTES}`);
    }
    const submissionId = randomUUID();
    await this.tasks.execute(user.id, id, {
      type: 'submit',
      submissionId,
      language: body.language,
      code: body.code,
    });
    return { submission_id: submissionId, status: 'queued' };
  }

  @Post(':id/hint')
  @RateLimit('hint')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask the tutor for the next hint of the ladder; follow it at stream_url',
    description: `At most ${HINT_LADDER_LEVELS} hints per task, one in flight at a time (a hint not delivered within ${HINT_IN_FLIGHT_TIMEOUT_MS / 1000} s no longer counts), at least ${HINT_MIN_INTERVAL_MS / 1000} s apart.`,
  })
  @ApiAcceptedResponse({ type: HintAccepted })
  @ApiBadRequestResponse({ type: ErrorResponse, description: `Code over ${MAX_CODE_BYTES} bytes` })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: `The task is finished, an earlier hint is still in flight (named in details), or level ${HINT_LADDER_LEVELS} was asked already`,
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: `Within ${HINT_MIN_INTERVAL_MS / 1000} s of the task's last hint request, or past your daily cap of hint requests in any 24 hours (HINT_DAILY_CAP, details.daily_cap); retry after Retry-After seconds`,
  })
  async hint(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: HintRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<HintAccepted> {
    const hintId = randomUUID();
    try {
      const level = await this.tasks.requestHint(user.id, id, hintId, new Date(), body.code);
      return { hint_id: hintId, level, stream_url: `/v1/hints/${hintId}/stream` };
    } catch (error) {
      if (error instanceof HintTooSoonError) {
        response.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      throw error;
    }
  }

  @Get(':id/events')
  @RateLimit('read')
  @ApiOperation({ summary: "The task's audit trail, in order" })
  @ApiOkResponse({ type: AuditEventsPage })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async events(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: EventsQuery,
  ): Promise<AuditEventsPage> {
    return auditPage(await this.queries.auditTrail(user.id, id, query));
  }
}
