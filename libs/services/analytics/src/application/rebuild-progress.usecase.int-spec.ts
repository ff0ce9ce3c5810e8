import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@studypath/event-store';
import { MemoryCache } from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { AnalyticsDatabase, AnalyticsEventStore } from '../analytics.database';
import { enveloped, ProgressHistory } from '../domain/progress-history.factory';
import { ProgressProjector, type TaskStreamEvent } from '../projections/progress.projector';
import { ProgressRepository } from '../projections/progress.repository';
import { ProgressCache } from './progress-cache';
import { RecordProgress } from './record-progress.usecase';
import { ReviewQueue } from './review-queue.service';
import { ReviewCardRepository } from '../projections/review-card.repository';
import {
  RebuildProgressUseCase,
  type HistoryBatch,
  type RebuildProgress,
  type TaskStreamHistory,
} from './rebuild-progress.usecase';

/** A history's events as the path service's log would envelope them, under a path id of its own. */
const envelopedAnew = (history: ProgressHistory, userId: string): TaskStreamEvent[] =>
  enveloped(history, userId, randomUUID()) as TaskStreamEvent[];

/** The topic's history in memory: batches of three, the cursor an index. */
function inMemory(events: TaskStreamEvent[]): TaskStreamHistory {
  return {
    async *read(from: string | null): AsyncIterable<HistoryBatch> {
      for (let i = from === null ? 0 : Number(from); i < events.length; i += 3) {
        await Promise.resolve();
        yield { events: events.slice(i, i + 3), next: String(Math.min(i + 3, events.length)) };
      }
    },
    size: () => Promise.resolve(events.length),
  };
}

function histories(): ProgressHistory[] {
  const solved = new ProgressHistory('2026-03-07T12:00:00Z')
    .path({ timezone: 'Europe/Berlin' })
    .task('a', { topics: ['arrays', 'hashing'], difficulty: 2 })
    .task('b', { module: 'graphs', topics: ['bfs'], difficulty: 3 })
    .start('a')
    .after(10)
    .submit('a', 'a1')
    .evaluate('a', 'a1', 'failed', 0.5)
    .hint('a', 'h1')
    .after(5)
    .submit('a', 'a2', 2)
    .evaluate('a', 'a2', 'infrastructure_error')
    .submit('a', 'a3', 2)
    .evaluate('a', 'a3', 'passed')
    .skip('b');
  const lagging = new ProgressHistory('2026-03-08T09:00:00Z')
    .path({ timezone: 'America/New_York' })
    .task('c')
    .start('c')
    .after(20)
    .submit('c', 'c1')
    .evaluate('c', 'c1', 'passed');
  const quiet = new ProgressHistory('2026-03-09T09:00:00Z').path().task('d').expire('d');
  return [solved, lagging, quiet];
}

describe('RebuildProgressUseCase: the progress projection rebuilt from the history (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let recordProgress: RecordProgress;

  beforeAll(async () => {
    db = await createTestDatabase([AnalyticsDatabase]);
    dataSource = await db.dataSource(AnalyticsDatabase);
    recordProgress = new RecordProgress(
      dataSource,
      new PostgresEventStore(dataSource, AnalyticsEventStore),
      new ProgressProjector(new ProgressRepository(dataSource)),
      new ProgressCache(new MemoryCache()),
      new ReviewQueue(
        new PostgresEventStore(dataSource, AnalyticsEventStore),
        new ReviewCardRepository(dataSource),
      ),
    );
  });

  afterAll(async () => {
    await db.drop();
  });

  const table = async () =>
    (await dataSource.query(
      `SELECT path_id, user_id, status, state, board, positions, version, track_id, modules
         FROM analytics.path_progress ORDER BY path_id`,
    )) as Record<string, unknown>[];
  const indexNames = async () =>
    (
      (await dataSource.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'analytics' AND tablename = 'path_progress' ORDER BY 1`,
      )) as { indexname: string }[]
    ).map((r) => r.indexname);

  it('equals the incrementally built table, holds back what the live projector has not applied, and keeps the names', async () => {
    const [solved, lagging, quiet] = histories().map((h, i) => envelopedAnew(h, `user-${i}`));
    if (!solved || !lagging || !quiet) throw new Error('three histories');
    // The topic interleaves the paths; the live projector has not yet applied lagging's evaluation.
    const topic = [...solved.slice(0, 6), ...lagging, ...solved.slice(6), ...quiet];
    const notYetApplied = lagging.slice(-1);
    for (const event of topic)
      if (!notYetApplied.includes(event)) await recordProgress.execute(event);
    const incremental = await table();
    const names = await indexNames();

    const progress: RebuildProgress[] = [];
    const done = await new RebuildProgressUseCase(dataSource).execute(inMemory(topic), (p) =>
      progress.push(p),
    );

    expect(await table()).toEqual(incremental);
    expect(await indexNames()).toEqual(names);
    expect(done).toMatchObject({ phase: 'swapped', events: topic.length, paths: 3 });
    expect(progress.filter((p) => p.phase === 'replay').map((p) => p.events)).toEqual(
      Array.from({ length: Math.ceil(topic.length / 3) }, (_, i) =>
        Math.min(3 * (i + 1), topic.length),
      ),
    );
    expect(progress.at(-2)).toMatchObject({ phase: 'catch-up' });

    // The live projector goes on from the rebuilt table: the held-back evaluation still counts.
    const [evaluation] = notYetApplied;
    if (!evaluation) throw new Error('one held-back event');
    expect(await recordProgress.execute(evaluation)).toBe(true);
    const published = (await dataSource.query(
      `SELECT count(*)::int AS n FROM analytics.events WHERE stream_id = $1`,
      [`mastery-${evaluation.data.path_id}`],
    )) as { n: number }[];
    expect(published[0]?.n).toBe(1);
  });

  it('gives the same table when paths are written out as soon as two are held, and read back when seen again', async () => {
    const [solved, lagging, quiet] = histories().map((h, i) => envelopedAnew(h, `small-${i}`));
    if (!solved || !lagging || !quiet) throw new Error('three histories');
    // Interleaved finely: each path comes back after the others pushed it out of memory.
    const topic: TaskStreamEvent[] = [];
    for (let i = 0; i < Math.max(solved.length, lagging.length, quiet.length); i++)
      for (const path of [solved, lagging, quiet]) {
        const event = path[i];
        if (event) topic.push(event);
      }
    await dataSource.query('DELETE FROM analytics.path_progress'); // the test above's paths
    for (const event of topic) await recordProgress.execute(event);
    const incremental = await table();

    const done = await new RebuildProgressUseCase(dataSource, {
      pathsInMemory: 1,
      rowsPerStatement: 1,
    }).execute(inMemory(topic));

    expect(await table()).toEqual(incremental);
    expect(done).toMatchObject({ phase: 'swapped', events: topic.length, paths: 3 });
  });
});
