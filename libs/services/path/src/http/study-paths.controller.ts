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
import { DEFAULT_TRACK_ID } from '@studypath/contracts';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import { PathCommands } from '../application/path-commands.service';
import {
  AuditEventsPage,
  CreateStudyPathRequest,
  EventsQuery,
  PathConfigInput,
  ReasonRequest,
  StudyPathResponse,
} from './path.dto';
import { auditPage, pathView } from './views';

@ApiTags('study paths')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller('study-paths')
export class StudyPathsController {
  constructor(private readonly paths: PathCommands) {}

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
    return pathView(await this.paths.create(user.id, body.track_id, body.config ?? {}));
  }

  @Get('active')
  @ApiOperation({ summary: 'Your open (active or paused) path on a track' })
  @ApiQuery({ name: 'track_id', required: false, example: DEFAULT_TRACK_ID })
  @ApiOkResponse({ type: StudyPathResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async active(
    @CurrentUser() user: AuthenticatedUser,
    @Query('track_id') trackId?: string,
  ): Promise<StudyPathResponse> {
    return pathView(await this.paths.mustFindActive(user.id, trackId ?? DEFAULT_TRACK_ID));
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
    return pathView(await this.paths.changeConfig(user.id, id, body));
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
  @RateLimit('read')
  @ApiOperation({ summary: "The path's audit trail: its events and its tasks' events, in order" })
  @ApiOkResponse({ type: AuditEventsPage })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async events(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: EventsQuery,
  ): Promise<AuditEventsPage> {
    return auditPage(await this.paths.auditTrail(user.id, id, query));
  }
}
