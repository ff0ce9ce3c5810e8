import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import { TutorRepository } from '../projections/tutor.repository';

export class HintResponse {
  @ApiProperty({ format: 'uuid' }) hint_id!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: 1, description: '1 a nudge, 2 an approach, 3 near-pseudocode' })
  level!: number;
  @ApiProperty({ enum: ['delivered'] }) status!: string;
  @ApiProperty({ example: 'Work one small example by hand…' }) content!: string;
  @ApiProperty({ enum: ['llm', 'builtin'], description: 'Who wrote it (docs/tutor.md)' })
  source!: string;
  @ApiProperty({ example: '2026-11-12T09:30:00.000Z' }) delivered_at!: string;
}

@ApiTags('hints')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller()
export class HintsController {
  constructor(private readonly repository: TutorRepository) {}

  @Get('hints/:id')
  @RateLimit('read')
  @ApiOperation({
    summary:
      'A hint you asked for (POST /v1/study-tasks/{id}/hint gave its id), once the tutor has written it',
  })
  @ApiOkResponse({ type: HintResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'No such hint of yours, or not written yet (it is within a second or so)',
  })
  async hint(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<HintResponse> {
    const hint = await this.repository.findHint(user.id, id);
    if (!hint) throw new NotFoundException(`hint ${id} not found (or not written yet)`);
    return {
      hint_id: hint.hint_id,
      task_id: hint.task_id,
      level: hint.level,
      status: hint.status,
      content: hint.content,
      source: hint.source,
      delivered_at: hint.delivered_at.toISOString(),
    };
  }
}
