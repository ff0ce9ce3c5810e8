import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { findTrack, type EventEnvelope, LATEST_POLICIES } from '@studypath/contracts';
import { handleCommand, InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { Cache, InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../domain/domain-errors';
import {
  newPathConfig,
  pathConfigChanges,
  trackForNewPath,
  type PathConfigRequest,
} from '../domain/path-config';
import { pathDecider, type PathCommand } from '../domain/path.decider';
import { PathProjector } from '../projections/path.projector';
import { PathRepository, type StudyPathRow } from '../projections/path.repository';
import {
  AUDIT_BATCH_DEFAULT_LIMIT,
  auditBatch,
  type AuditBatch,
  type AuditRange,
} from './audit-trail';
import { pathStream } from './streams';

const UNIQUE_VIOLATION = '23505';
// Short: a reader racing a change could put the old row back just after the change dropped it.
const ACTIVE_PATH_TTL_MS = 60_000;

/**
 * Study path use cases: create, change, pause, resume, archive; the cached active path; the audit
 * trail. The cache is never the source of truth: it is dropped on every change, and a cache outage
 * falls back to the database.
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

  /** Starts a path on a track, its configuration filled in from what the client chose. */
  async create(userId: string, trackId: string, request: PathConfigRequest): Promise<StudyPathRow> {
    const track = trackForNewPath(trackId);
    const config = newPathConfig(request, track);
    const pathId = randomUUID();
    try {
      await this.run(userId, pathId, {
        type: 'create',
        pathId,
        trackId: track.id,
        config,
        policies: LATEST_POLICIES,
      });
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

  /** Changes the fields of the configuration the client sent. */
  async changeConfig(
    userId: string,
    pathId: string,
    request: PathConfigRequest,
  ): Promise<StudyPathRow> {
    const current = await this.mustFind(userId, pathId);
    const track = findTrack(current.track_id);
    if (!track) throw new Error(`path ${pathId} is on track ${current.track_id}, unknown here`);
    const changes = pathConfigChanges(request, current.config, track);
    await this.run(userId, pathId, { type: 'update_config', changes });
    return this.mustFind(userId, pathId);
  }

  async execute(
    userId: string,
    pathId: string,
    command: Exclude<PathCommand, { type: 'create' | 'update_config' }>,
  ): Promise<StudyPathRow> {
    await this.mustFind(userId, pathId);
    await this.run(userId, pathId, command);
    return this.mustFind(userId, pathId);
  }

  /** The user's open (active or paused) path on the track. */
  async mustFindActive(userId: string, trackId: string): Promise<StudyPathRow> {
    const row = await this.findActive(userId, trackId);
    if (!row) throw new NotFoundError('you have no open study path on this track');
    return row;
  }

  private async findActive(userId: string, trackId: string): Promise<StudyPathRow | undefined> {
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

  /** The path's audit trail: its events and its tasks' events, by global position. */
  async auditTrail(userId: string, pathId: string, range: AuditRange): Promise<AuditBatch> {
    await this.mustFind(userId, pathId);
    const limit = range.limit ?? AUDIT_BATCH_DEFAULT_LIMIT;
    const events = await this.store.readByDataField('path_id', pathId, {
      after: range.after ?? 0,
      limit,
    });
    return auditBatch(events, limit);
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
