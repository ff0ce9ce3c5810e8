import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@studypath/contracts';
import { PostgresEventStore } from '@studypath/event-store';
import { MemoryCache } from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { AnalyticsDatabase, AnalyticsEventStore } from '../analytics.database';
import {
  evolveProgress,
  initialProgress,
  nextTaskOf,
  progressView,
  type ProgressEvent,
} from '../domain';
import { ProgressHistory } from '../domain/progress-history.factory';
import { ProgressProjector, type TaskStreamEvent } from '../projections/progress.projector';
import { ProgressRepository } from '../projections/progress.repository';
import { ProgressCache } from './progress-cache';
import { RecordProgress } from './record-progress.usecase';
import { ReviewQueue } from './review-queue.service';
import { ReviewCardRepository } from '../projections/review-card.repository';

/** The value, or a failure naming what was missing (instead of a non-null assertion). */
function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`);
  return value;
}

const USER = 'user-analytics-1';

/**
 * Envelopes a history's events as the path service's log would: a stream per path and per task,
 * positions counted per stream, under a path id of its own.
 */
function enveloped(history: ProgressHistory): TaskStreamEvent[] {
  const pathId = randomUUID();
  const events = JSON.parse(
    JSON.stringify(history.events).replaceAll(history.pathId, pathId),
  ) as ProgressEvent[];
  const positions = new Map<string, number>();
  return events.map((event, i): TaskStreamEvent => {
    const streamId =
      'task_id' in event.data ? `task-${event.data.task_id}` : `path-${event.data.path_id}`;
    const position = (positions.get(streamId) ?? 0) + 1;
    positions.set(streamId, position);
    const envelope: EventEnvelope = {
      event_id: randomUUID(),
      event_type: event.event_type,
      schema_version: event.event_type === 'task.hint_requested' ? 2 : 1,
      stream_id: streamId,
      stream_position: position,
      global_position: i + 1,
      user_id: USER,
      occurred_at: event.occurred_at,
      correlation_id: randomUUID(),
      causation_id: null,
      traceparent: null,
      data: event.data,
    };
    return envelope as TaskStreamEvent;
  });
}

/** Two tasks solved (one after a wrong attempt and a hint), one skipped, one infrastructure error. */
function history(): ProgressHistory {
  return new ProgressHistory('2026-03-07T12:00:00Z')
    .path({ timezone: 'Europe/Berlin' })
    .task('a', { topics: ['arrays', 'hashing'], difficulty: 2 })
    .task('b', { topics: ['arrays'], difficulty: 3 })
    .task('c', { module: 'graphs', topics: ['bfs'], difficulty: 2 })
    .start('a')
    .after(10)
    .submit('a', 'a1')
    .evaluate('a', 'a1', 'passed')
    .start('b')
    .after(15)
    .submit('b', 'b1')
    .evaluate('b', 'b1', 'failed', 0.5)
    .hint('b', 'h1')
    .after(5)
    .submit('b', 'b2', 2)
    .evaluate('b', 'b2', 'infrastructure_error')
    .after(1)
    .submit('b', 'b3', 2)
    .evaluate('b', 'b3', 'passed')
    .skip('c');
}

describe('RecordProgress: the progress projection (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let recordProgress: RecordProgress;
  let repository: ProgressRepository;

  beforeAll(async () => {
    db = await createTestDatabase([AnalyticsDatabase]);
    dataSource = await db.dataSource(AnalyticsDatabase);
    repository = new ProgressRepository(dataSource);
    recordProgress = new RecordProgress(
      dataSource,
      new PostgresEventStore(dataSource, AnalyticsEventStore),
      new ProgressProjector(repository),
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

  const masteryEvents = async (pathId: string) =>
    (await dataSource.query(
      `SELECT event_type, data, metadata FROM analytics.events WHERE stream_id = $1 ORDER BY stream_position`,
      [`mastery-${pathId}`],
    )) as {
      event_type: string;
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }[];

  it('folds a path as the domain does, each event once however often it is delivered, publishing mastery once per counted evaluation', async () => {
    const given = history();
    const events = enveloped(given);
    const pathId = present(events[0], 'an event').data.path_id;

    // Delivered once, then everything again (a consumer restarted before its offsets committed),
    // then each event twice in a row (a retry after a lost commit acknowledgement).
    for (const event of events) expect(await recordProgress.execute(event)).toBe(true);
    for (const event of events) expect(await recordProgress.execute(event)).toBe(false);
    for (const event of events) {
      await recordProgress.execute(event);
      await recordProgress.execute(event);
    }

    const expected = events.reduce(
      (state, event) => evolveProgress(state, event),
      initialProgress(),
    );
    const row = await repository.find(USER, pathId);
    expect(row).toMatchObject({ user_id: USER, status: 'active', version: events.length });
    expect(row?.state).toEqual(expected);
    const view = progressView(
      present(row, 'the progress row').state,
      new Date('2026-03-07T18:00:00Z'),
    );
    expect(view.totals).toMatchObject({ created: 3, completed: 2, attempts: 3, skipped: 1 });
    expect(view.hintIndependence).toBe(0.5);

    // a1 passed, b1 failed, b3 passed: three counted evaluations; b2 (infrastructure) none.
    const published = await masteryEvents(pathId);
    expect(published.map((e) => e.data.submission_id)).toEqual(
      ['a1', 'b1', 'b3'].map((name) => given.id(name)),
    );
    expect(published[2]?.data).toMatchObject({
      path_id: pathId,
      model: 'elo-1',
      module: { module: 'arrays-strings', evaluations: 3 },
      topics: [{ topic: 'arrays', evaluations: 3 }],
    });
    // Caused by the task.evaluated it answers.
    const b3 = events.find(
      (e) => e.event_type === 'task.evaluated' && e.data.submission_id === given.id('b3'),
    );
    expect(published[2]?.metadata).toMatchObject({ causation_id: b3?.event_id });
  });

  it('keeps the open tasks for the next task, none once the path is archived, for its owner only', async () => {
    const given = new ProgressHistory('2026-03-07T12:00:00Z').path().task('a').task('b').skip('a');
    const events = enveloped(given);
    for (const event of events) await recordProgress.execute(event);
    const pathId = present(events[0], 'an event').data.path_id;
    const row = await repository.find(USER, pathId);
    expect(nextTaskOf(present(row, 'the progress row').board)).toMatchObject({
      taskId: given.id('b'),
      status: 'pending',
    });
    expect(await repository.find('someone-else', pathId)).toBeUndefined();

    const archived = enveloped(new ProgressHistory('2026-03-07T12:00:00Z').path().task('a'));
    const archivedPath = present(archived[0], 'an event').data.path_id;
    await recordProgress.execute({
      ...present(archived[0], 'an event'),
      event_id: randomUUID(),
      event_type: 'path.archived',
      stream_position: 2,
      data: { path_id: archivedPath },
    } as TaskStreamEvent);
    for (const event of archived) await recordProgress.execute(event);
    const gone = await repository.find(USER, archivedPath);
    expect(gone?.status).toBe('archived');
    expect(nextTaskOf(present(gone, 'the archived row').board)).toBeNull();
  });
});
