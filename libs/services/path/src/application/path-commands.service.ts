import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { findTrack, type EventEnvelope } from '@studypath/contracts';
import { handleCommand, InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { Cache, InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictError, InvalidCommandError, NotFoundError } from '../domain/domain-errors';
import { pathDecider, type PathCommand, type PathConfig } from '../domain/path.decider';
import { PathProjector } from '../projections/path.projector';
import { PathRepository, type StudyPathRow } from '../projections/path.repository';

const UNIQUE_VIOLATION = '23505';
// Short: a reader racing a change could put the old row back just after the change dropped it.
const ACTIVE_PATH_TTL_MS = 60_000;

export const pathStream = (pathId: string): string => `path-${pathId}`;

/**
 * Study path use cases: create, change, pause, resume, archive; and the cached active path. The
 * cache is never the source of truth: it is dropped on every change, and a cache outage falls back
 * to the database.
 */
@Injectable()
export class PathCommands {
  private readonly logger = new Logger('PathCommands');

  constructor(
    @InjectEventStore('path') private readonly store: PostgresEventStore,
    @InjectDataSource('path') private readonly dataSource: DataSource,
    private readonly projector: PathProjector,
    private readonly repository: PathRepository,
    private readonly cache: Cache,
  ) {}

  async create(userId: string, trackId: string, config: PathConfig): Promise<StudyPathRow> {
    const track = findTrack(trackId);
    if (!track)
      throw new InvalidCommandError(`unknown track "${trackId}"`, { known_tracks: ['meta-swe'] });
    const modules = new Set<string>(track.modules.map((m) => m.id));
    for (const key of ['starting_levels', 'personalization_weights'] as const) {
      const unknown = Object.keys(config[key]).filter((module) => !modules.has(module));
      if (unknown.length > 0) {
        throw new InvalidCommandError(
          `${key} names modules that are not on the ${trackId} track: ${unknown.join(', ')}`,
        );
      }
    }
    const pathId = randomUUID();
    try {
      await this.run(userId, pathId, { type: 'create', pathId, trackId, config });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConflictError(`you already have an active study path on the ${trackId} track`, {
          track_id: trackId,
        });
      }
      throw error;
    }
    return this.mustFind(userId, pathId);
  }

  async execute(
    userId: string,
    pathId: string,
    command: Exclude<PathCommand, { type: 'create' }>,
  ): Promise<StudyPathRow> {
    await this.mustFind(userId, pathId);
    await this.run(userId, pathId, command);
    return this.mustFind(userId, pathId);
  }

  async findActive(userId: string, trackId: string): Promise<StudyPathRow | undefined> {
    const key = activeKey(userId, trackId);
    const cached = await this.cache.get<StudyPathRow>(key).catch((error: unknown) => {
      this.logger.warn(`cache unavailable, reading the database: ${String(error)}`);
      return undefined;
    });
    if (cached) return cached;
    const row = await this.repository.findOpenPath(userId, trackId);
    if (row) {
      await this.cache.set(key, row, ACTIVE_PATH_TTL_MS).catch(() => undefined);
    }
    return row;
  }

  async mustFind(userId: string, pathId: string): Promise<StudyPathRow> {
    const row = await this.repository.findPath(userId, pathId);
    if (!row) throw new NotFoundError('study path not found');
    return row;
  }

  private async run(
    userId: string,
    pathId: string,
    command: PathCommand,
  ): Promise<EventEnvelope[]> {
    const { events } = await handleCommand(
      this.store,
      this.dataSource,
      pathStream(pathId),
      pathDecider,
      command,
      {
        streamType: 'path',
        userId,
        afterAppend: (appended, manager: EntityManager) => this.projector.apply(appended, manager),
      },
    );
    if (events.length > 0) {
      const trackId = (await this.repository.findPath(userId, pathId))?.track_id;
      if (trackId) await this.cache.delete(activeKey(userId, trackId)).catch(() => undefined);
    }
    return events;
  }
}

function activeKey(userId: string, trackId: string): string {
  return `path:active:${trackId}:${userId}`;
}
