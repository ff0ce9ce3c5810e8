import { createHash } from 'node:crypto';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import {
  dashboardOf,
  dayNumber,
  dayOfNumber,
  localDay,
  peerComparisonOf,
  peerFiguresOf,
  progressTimeline,
  progressView,
  weekStart,
  type Dashboard,
  type LocalDay,
  type PeerComparison,
  type ProgressView,
  type TimelineBucket,
  type TimelineBucketSize,
} from '../domain';
import { ProgressRepository, type PathProgressRow } from '../projections/progress.repository';
import { ReviewCardRepository } from '../projections/review-card.repository';
import { ProgressCache } from './progress-cache';

/**
 * How long an answer stays cached. Every event of a path drops its entries; the TTL bounds what a
 * read racing an event (it read before the event, cached after the drop) can serve.
 */
export const PROGRESS_CACHE_TTL_MS = 60_000;

/**
 * How long a peer comparison stays cached. The path's own events drop it; other learners' events
 * do not (there are too many of them), so it may lag the cohort by this much.
 */
export const PERCENTILES_CACHE_TTL_MS = 5 * 60_000;

/** The widest timeline one request may ask for. */
export const MAX_TIMELINE_BUCKETS = 400;
const DEFAULT_TIMELINE_BUCKETS: Record<TimelineBucketSize, number> = { day: 30, week: 12 };

/** An answer and its entity tag: the same tag means the same answer. */
export interface Tagged<T> {
  etag: string;
  value: T;
}

interface CachedPath {
  userId: string;
  version: number;
  timeZone: string;
  /** The local date the entry was computed on: "today" decides streaks and days to interview. */
  today: LocalDay;
}
interface CachedProgress extends CachedPath {
  view: ProgressView;
}
interface CachedTimeline extends CachedPath {
  day: TimelineBucket[];
  week: TimelineBucket[];
}

export interface TimelineQuery {
  from?: LocalDay;
  to?: LocalDay;
  bucket: TimelineBucketSize;
}

export interface Timeline {
  bucket: TimelineBucketSize;
  from: LocalDay;
  to: LocalDay;
  buckets: TimelineBucket[];
}

/**
 * The progress API's reads: one row of `analytics.path_progress` (or the cache) per answer, owner
 * only. A path of another user is not found, exactly like a path that does not exist.
 */
@Injectable()
export class ProgressQueries {
  constructor(
    private readonly repository: ProgressRepository,
    private readonly cache: ProgressCache,
    private readonly cards: ReviewCardRepository,
  ) {}

  async progress(userId: string, pathId: string, now: Date): Promise<Tagged<ProgressView>> {
    const key = ProgressCache.progressKey(pathId);
    let entry = await this.cache.get<CachedProgress>(key);
    if (!isFresh(entry, userId, now)) {
      const row = await this.mustFind(userId, pathId);
      const view = progressView(row.state, now);
      entry = { ...cachedPath(row, view.today), view };
      await this.cache.set(key, entry, PROGRESS_CACHE_TTL_MS);
    }
    return { etag: pathTag(entry), value: entry.view };
  }

  async timeline(
    userId: string,
    pathId: string,
    query: TimelineQuery,
    now: Date,
  ): Promise<Tagged<Timeline>> {
    const key = ProgressCache.timelineKey(pathId);
    let entry = await this.cache.get<CachedTimeline>(key);
    if (!isFresh(entry, userId, now)) {
      const row = await this.mustFind(userId, pathId);
      entry = {
        ...cachedPath(row, localDay(now.getTime(), row.state.timeZone)),
        day: progressTimeline(row.state, 'day'),
        week: progressTimeline(row.state, 'week'),
      };
      await this.cache.set(key, entry, PROGRESS_CACHE_TTL_MS);
    }
    return { etag: pathTag(entry), value: timelineOf(entry, query) };
  }

  /** Where the path stands among its track's learners: counts from the database, never rows. */
  async percentiles(userId: string, pathId: string): Promise<Tagged<PeerComparison>> {
    const key = ProgressCache.percentilesKey(pathId);
    const cached = await this.cache.get<Tagged<PeerComparison> & { userId: string }>(key);
    if (cached?.userId === userId) return { etag: cached.etag, value: cached.value };
    const row = await this.mustFind(userId, pathId);
    const counts = row.state.trackId
      ? await this.repository.countPeersBelow(row.state.trackId, userId, peerFiguresOf(row.state))
      : [];
    const value = peerComparisonOf(row.state, counts);
    const etag = `W/"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`;
    await this.cache.set(key, { userId, etag, value }, PERCENTILES_CACHE_TTL_MS);
    return { etag, value };
  }

  async dashboard(userId: string, now: Date): Promise<Tagged<Dashboard>> {
    const key = ProgressCache.dashboardKey(userId);
    const cached = await this.cache.get<Tagged<Dashboard>>(key);
    if (cached && cached.value.today === this.todayOf(cached.value, now)) return cached;
    const [rows, cards] = await Promise.all([
      this.repository.listByUser(userId),
      this.cards.listByUser(userId),
    ]);
    const value = dashboardOf(
      rows.map((row) => ({
        pathId: row.path_id,
        status: row.status,
        state: row.state,
        board: row.board,
        reviewCards: cards
          .filter((c) => c.path_id === row.path_id)
          .map((c) => ({ card: c.card, dueDay: c.due_day })),
      })),
      now,
    );
    const tagged = {
      etag: `W/"${createHash('sha1').update(JSON.stringify(value)).digest('base64url')}"`,
      value,
    };
    await this.cache.set(key, tagged, PROGRESS_CACHE_TTL_MS);
    return tagged;
  }

  private todayOf(dashboard: Dashboard, now: Date): LocalDay {
    const first = dashboard.paths[0];
    return localDay(now.getTime(), first ? first.view.timeZone : 'UTC');
  }

  private async mustFind(userId: string, pathId: string): Promise<PathProgressRow> {
    const row = await this.repository.find(userId, pathId);
    if (!row) throw new NotFoundException(`study path ${pathId} not found`);
    return row;
  }
}

function cachedPath(row: PathProgressRow, today: LocalDay): CachedPath {
  return { userId: row.user_id, version: row.version, timeZone: row.state.timeZone, today };
}

/** A cached entry answers for its owner, on the local date it was computed on. */
function isFresh<T extends CachedPath>(
  entry: T | undefined,
  userId: string,
  now: Date,
): entry is T {
  return (
    entry !== undefined &&
    entry.userId === userId &&
    entry.today === localDay(now.getTime(), entry.timeZone)
  );
}

/** Changes with every event of the path and with the local date. */
const pathTag = (entry: CachedPath): string => `W/"${entry.version}-${entry.today}"`;

/** The buckets from `from` to `to` (their first days), gaps filled with empty buckets. */
function timelineOf(entry: CachedTimeline, query: TimelineQuery): Timeline {
  const step = query.bucket === 'day' ? 1 : 7;
  const align = (day: LocalDay): LocalDay => (query.bucket === 'day' ? day : weekStart(day));
  const to = align(query.to ?? entry.today);
  const from = align(
    query.from ?? dayOfNumber(dayNumber(to) - step * (DEFAULT_TIMELINE_BUCKETS[query.bucket] - 1)),
  );
  if (dayNumber(from) > dayNumber(to)) {
    throw new BadRequestException('from must not be after to');
  }
  const count = (dayNumber(to) - dayNumber(from)) / step + 1;
  if (count > MAX_TIMELINE_BUCKETS) {
    throw new BadRequestException(
      `at most ${MAX_TIMELINE_BUCKETS} buckets at a time: narrow from and to, or use bucket=week`,
    );
  }
  const known = new Map(entry[query.bucket].map((b) => [b.start, b]));
  const buckets: TimelineBucket[] = [];
  for (let n = dayNumber(from); n <= dayNumber(to); n += step) {
    const start = dayOfNumber(n);
    buckets.push(
      known.get(start) ?? {
        start,
        completed: 0,
        attempts: 0,
        passes: 0,
        accuracy: null,
        timeSpentSeconds: 0,
        avgDifficulty: null,
      },
    );
  }
  return { bucket: query.bucket, from, to, buckets };
}
