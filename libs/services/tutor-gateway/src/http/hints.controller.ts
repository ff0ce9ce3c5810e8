import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, ErrorResponse, RateLimit, type AuthenticatedUser } from '@studypath/platform';
import type { Request, Response } from 'express';
import { HintStreams } from '../application/hint-streams';
import { TutorRepository, type HintRow } from '../projections/tutor.repository';
import { parseHintStreamId, type HintStreamEntry } from '../streams';

/** How long a stream waits for a hint request the tutor-gateway has not read yet. */
const WAIT_FOR_REQUEST_MS = 10_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** How often a stream checks whether its hint was stored without its `done` reaching the stream. */
const STORED_CHECK_MS = 1_000;

export class HintResponse {
  @ApiProperty({ format: 'uuid' }) hint_id!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: 1, description: '1 a nudge, 2 an approach, 3 near-pseudocode' })
  level!: number;
  @ApiProperty({ enum: ['generating', 'delivered'] }) status!: string;
  @ApiProperty({ example: 'Work one small example by hand…', nullable: true, type: String })
  content!: string | null;
  @ApiProperty({
    enum: ['llm', 'builtin'],
    nullable: true,
    description: 'Who wrote it (docs/tutor.md)',
  })
  source!: string | null;
  @ApiProperty({ example: '2026-11-12T09:30:00.000Z', nullable: true, type: String })
  delivered_at!: string | null;
}

@ApiTags('hints')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, expired or invalid token' })
@Controller()
export class HintsController {
  constructor(
    private readonly repository: TutorRepository,
    private readonly streams: HintStreams,
  ) {}

  @Get('hints/:id')
  @RateLimit('read')
  @ApiOperation({
    summary:
      'A hint you asked for (POST /v1/study-tasks/{id}/hint gave its id): `generating` while the tutor writes it, then `delivered` with its text',
  })
  @ApiOkResponse({ type: HintResponse })
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'No such hint of yours (or the request is not read yet: within a second or so)',
  })
  async hint(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<HintResponse> {
    const hint = await this.repository.findHint(user.id, id);
    if (!hint) throw new NotFoundException(`hint ${id} not found (or not read yet)`);
    return view(hint);
  }

  @Get('hints/:id/stream')
  @RateLimit('read')
  @ApiOperation({
    summary:
      'The hint as it is written, as Server-Sent Events: `chunk` events (text), then `done` (the whole hint, its level and source) or `error`; `reset` voids the text so far (the hint starts again: the LLM failed mid-way and the built-in tutor took over, or a restarted writer begins anew); `: heartbeat` comments. Resume with Last-Event-ID; a client arriving late gets the whole hint',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The last event id you got' })
  @ApiOkResponse({ description: 'text/event-stream' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such hint of yours' })
  async stream(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    let after: string | null = null;
    if (lastEventId !== undefined && lastEventId !== '') {
      if (lastEventId !== 'done' && parseHintStreamId(lastEventId) === undefined)
        throw new BadRequestException('Last-Event-ID must be the id of an event of this stream');
      after = lastEventId;
    }
    const closed = new AbortController();
    request.on('close', () => closed.abort());
    let hint = await this.repository.findHint(user.id, id);
    if (!hint && !closed.signal.aborted) {
      // The request may still be on its way to the tutor-gateway: wait (without polling) for
      // its stream's first entry, written once the hint is stored as generating, then look again.
      await this.firstEntry(
        id,
        AbortSignal.any([closed.signal, AbortSignal.timeout(WAIT_FOR_REQUEST_MS)]),
      );
      hint = await this.repository.findHint(user.id, id);
    }
    if (!hint) throw new NotFoundException(`hint ${id} not found`);

    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    const send = (event: string, eventId: string, data: unknown): void => {
      response.write(`id: ${eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
    try {
      if (after === 'done') return; // the client has the whole hint already
      if (hint.status === 'delivered') {
        sendDone(send, hint);
        return;
      }
      // Written now: follow the stream; if the hint gets stored and its `done` never reaches the
      // stream (the writer stopped right after storing it), the stored hint ends the stream.
      const reading = new AbortController();
      closed.signal.addEventListener('abort', () => reading.abort());
      let stored: HintRow | undefined;
      const check = setInterval(() => {
        void this.repository.findHint(user.id, id).then((row) => {
          if (row?.status === 'delivered') {
            stored = row;
            reading.abort();
          }
        });
      }, STORED_CHECK_MS);
      try {
        for await (const { id: entryId, entry } of this.streams.hub.read(id, {
          after,
          signal: reading.signal,
        })) {
          if (entry.type === 'done') {
            send('done', 'done', doneData(entry));
            return;
          }
          if (entry.type === 'started') continue; // for readers waiting for the request
          if (entry.type === 'chunk') send('chunk', entryId, { text: entry.text });
          else if (entry.type === 'reset') send('reset', entryId, {});
          else {
            send('error', entryId, { message: entry.message });
            return;
          }
        }
      } finally {
        clearInterval(check);
      }
      if (stored && !closed.signal.aborted) sendDone(send, stored);
    } catch {
      // A stream that broke mid-way (Redis away) ends; the client reconnects with Last-Event-ID.
      if (!closed.signal.aborted)
        send('error', 'error', { message: 'the stream was interrupted: reconnect' });
    } finally {
      clearInterval(heartbeat);
      response.end();
    }
  }

  /** Waits until the hint's stream has an entry, or the signal ends the wait. */
  private async firstEntry(hintId: string, signal: AbortSignal): Promise<void> {
    const reading = new AbortController();
    const stop = () => reading.abort();
    signal.addEventListener('abort', stop, { once: true });
    const entries = this.streams.hub
      .read(hintId, { signal: reading.signal })
      [Symbol.asyncIterator]();
    try {
      await entries.next();
      await entries.return?.();
    } catch {
      // Redis away: the caller looks the hint up once more and answers from that.
    } finally {
      signal.removeEventListener('abort', stop);
      reading.abort();
    }
  }
}

function view(hint: HintRow): HintResponse {
  return {
    hint_id: hint.hint_id,
    task_id: hint.task_id,
    level: hint.level,
    status: hint.status,
    content: hint.content,
    source: hint.source,
    delivered_at: hint.delivered_at?.toISOString() ?? null,
  };
}

function doneData(entry: Extract<HintStreamEntry, { type: 'done' }>) {
  return { content: entry.content, level: entry.level, source: entry.source };
}

function sendDone(send: (event: string, id: string, data: unknown) => void, hint: HintRow): void {
  send('done', 'done', { content: hint.content, level: hint.level, source: hint.source });
}
