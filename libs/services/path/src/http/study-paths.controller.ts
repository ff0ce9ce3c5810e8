import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { findTrack, META_SWE, type Track } from '@studypath/contracts';
import { InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { CurrentUser, ErrorResponse, type AuthenticatedUser } from '@studypath/platform';
import { PathCommands } from '../application/path-commands.service';
import { InvalidCommandError, NotFoundError } from '../domain/domain-errors';
import type { PathConfig } from '../domain/path.decider';
import {
  AuditEventsPage,
  CreateStudyPathRequest,
  EventsQuery,
  PathConfigInput,
  ReasonRequest,
  StudyPathResponse,
} from './path.dto';
import { auditPage, pathView } from './views';

const LEVEL = { beginner: 1, intermediate: 2, advanced: 3 } as const;

/** A full configuration from what the client gave: every module gets a level and a weight. */
export function buildConfig(input: PathConfigInput, track: Track): PathConfig {
  const base = LEVEL[input.self_assessment ?? 'beginner'];
  return {
    target_interview_date: input.target_interview_date ?? null,
    timezone: input.timezone ?? 'UTC',
    hours_per_week: input.hours_per_week ?? 5,
    starting_levels: Object.fromEntries(
      track.modules.map((m) => [m.id, input.starting_levels?.[m.id] ?? base]),
    ),
    personalization_weights: Object.fromEntries(
      track.modules.map((m) => [m.id, input.personalization_weights?.[m.id] ?? 1]),
    ),
    pending_tasks_ahead: input.pending_tasks_ahead ?? 5,
    max_attempts: input.max_attempts ?? 3,
    expiry_days: input.expiry_days ?? 7,
  };
}

/** The part of the configuration a PATCH changes; a self-assessment resets every module's level. */
function configChanges(
  input: PathConfigInput,
  current: PathConfig,
  track: Track,
): Partial<PathConfig> {
  const {
    self_assessment: assessment,
    starting_levels: levels,
    personalization_weights: weights,
    ...plain
  } = input;
  // A validated DTO has every declared field, the absent ones undefined: keep only what was sent.
  const changes = Object.fromEntries(
    Object.entries(plain).filter(([, value]) => value !== undefined),
  ) as Partial<PathConfig>;
  if (assessment || levels) {
    const base = assessment ? LEVEL[assessment] : undefined;
    changes.starting_levels = Object.fromEntries(
      track.modules.map((m) => [
        m.id,
        levels?.[m.id] ?? base ?? current.starting_levels[m.id] ?? 1,
      ]),
    );
  }
  if (weights) changes.personalization_weights = { ...current.personalization_weights, ...weights };
  return changes;
}

@ApiTags('study paths')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller('study-paths')
export class StudyPathsController {
  constructor(
    private readonly paths: PathCommands,
    @InjectEventStore('path') private readonly store: PostgresEventStore,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Start a study path on a track' })
  @ApiCreatedResponse({ type: StudyPathResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'You already have an open path on this track',
  })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateStudyPathRequest,
  ): Promise<StudyPathResponse> {
    const track = findTrack(body.track_id);
    if (!track)
      throw new InvalidCommandError(`unknown track "${body.track_id}"`, {
        known_tracks: [META_SWE.id],
      });
    return pathView(
      await this.paths.create(user.id, track.id, buildConfig(body.config ?? {}, track)),
    );
  }

  @Get('active')
  @ApiOperation({ summary: 'Your open (active or paused) path on a track' })
  @ApiQuery({ name: 'track_id', required: false, example: 'meta-swe' })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async active(
    @CurrentUser() user: AuthenticatedUser,
    @Query('track_id') trackId?: string,
  ): Promise<StudyPathResponse> {
    const row = await this.paths.findActive(user.id, trackId ?? META_SWE.id);
    if (!row) throw new NotFoundError('you have no open study path on this track');
    return pathView(row);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your study paths' })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<StudyPathResponse> {
    return pathView(await this.paths.mustFind(user.id, id));
  }

  @Patch(':id/config')
  @ApiOperation({ summary: "Change the path's configuration (only the fields given)" })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The path is archived' })
  async updateConfig(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: PathConfigInput,
  ): Promise<StudyPathResponse> {
    const current = await this.paths.mustFind(user.id, id);
    const track = findTrack(current.track_id) ?? META_SWE;
    const changes = configChanges(body, current.config, track);
    return pathView(await this.paths.execute(user.id, id, { type: 'update_config', changes }));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the path: no new tasks, no expiry' })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The path is not active' })
  async pause(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ReasonRequest,
  ): Promise<StudyPathResponse> {
    return pathView(await this.paths.execute(user.id, id, { type: 'pause', reason: body.reason }));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused path' })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The path is not paused' })
  async resume(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<StudyPathResponse> {
    return pathView(await this.paths.execute(user.id, id, { type: 'resume' }));
  }

  @Post(':id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'End the path for good' })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The path is archived already' })
  async archive(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ReasonRequest,
  ): Promise<StudyPathResponse> {
    return pathView(
      await this.paths.execute(user.id, id, { type: 'archive', reason: body.reason }),
    );
  }

  @Get(':id/events')
  @ApiOperation({ summary: "The path's audit trail: its events and its tasks' events, in order" })
  @ApiOkResponse({ type: AuditEventsPage })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async events(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: EventsQuery,
  ): Promise<AuditEventsPage> {
    await this.paths.mustFind(user.id, id);
    const limit = query.limit ?? 100;
    const events = await this.store.readByDataField('path_id', id, {
      after: query.after ?? 0,
      limit,
    });
    return auditPage(events, limit);
  }
}
