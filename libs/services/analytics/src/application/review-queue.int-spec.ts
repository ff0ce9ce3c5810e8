import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@studypath/event-store';
import { MemoryCache, type AppConfig } from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { AnalyticsDatabase, AnalyticsEventStore } from '../analytics.database';
import { replayReviews } from '../domain';
import { enveloped, ProgressHistory } from '../domain/progress-history.factory';
import { ProgressProjector, type TaskStreamEvent } from '../projections/progress.projector';
import { ProgressRepository } from '../projections/progress.repository';
import { ReviewCardRepository, type ReviewCardRow } from '../projections/review-card.repository';
import { ProgressCache } from './progress-cache';
import { RecordProgress } from './record-progress.usecase';
import { ReviewDueJob } from './review-due.job';
import { ReviewQueue, type ReviewDueData } from './review-queue.service';

describe('the review queue (real PostgreSQL): cards from finished tasks, the due job, review tasks', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let record: RecordProgress;
  let job: ReviewDueJob;

  beforeAll(async () => {
    db = await createTestDatabase([AnalyticsDatabase]);
    dataSource = await db.dataSource(AnalyticsDatabase);
    const store = new PostgresEventStore(dataSource, AnalyticsEventStore);
    const queue = new ReviewQueue(store, new ReviewCardRepository(dataSource));
    record = new RecordProgress(
      dataSource,
      store,
      new ProgressProjector(new ProgressRepository(dataSource)),
      new ProgressCache(new MemoryCache()),
      queue,
    );
    job = new ReviewDueJob(dataSource, queue, { reviewDueIntervalMs: 60_000 } as AppConfig);
  });

  afterAll(async () => {
    await db.drop();
  });

  const cardOf = async (userId: string, problem: string): Promise<ReviewCardRow | undefined> =>
    (
      (await dataSource.query(
        `SELECT *, to_char(due_day, 'YYYY-MM-DD') AS due_day FROM analytics.review_cards
          WHERE user_id = $1 AND problem_id = $2`,
        [userId, `problem-${problem}`],
      )) as ReviewCardRow[]
    )[0];
  const eventsOf = async (type: string, pathId: string) =>
    (
      (await dataSource.query(
        `SELECT data FROM analytics.events WHERE event_type = $1 AND data->>'path_id' = $2
          ORDER BY global_position`,
        [type, pathId],
      )) as { data: Record<string, unknown> }[]
    ).map((r) => r.data);
  const apply = async (events: TaskStreamEvent[]) => {
    for (const event of events) await record.execute(event);
  };

  it('a solved task becomes a card; when due, one review is published however many passes run; the review task ending reschedules the card', async () => {
    const user = `learner-${randomUUID()}`;
    const pathId = randomUUID();
    // Berlin, 5 hours a week; solved at once, without a hint, in 5 minutes (difficulty 2: fast).
    const history = new ProgressHistory('2026-03-02T09:00:00Z')
      .path({ timezone: 'Europe/Berlin', hours_per_week: 5 })
      .task('a', { difficulty: 2, topics: ['arrays'] })
      .start('a')
      .after(5)
      .submit('a', 's1')
      .evaluate('a', 's1', 'passed');
    await apply(enveloped(history, user, pathId) as TaskStreamEvent[]);

    const card = await cardOf(user, 'a');
    expect(card).toMatchObject({
      path_id: pathId,
      module: 'arrays-strings',
      topics: ['arrays'],
      difficulty: 2,
      last_rating: 'easy',
      reviews: 1,
      scheduling_policy: 'fsrs-deadline-1',
      pending_review_id: null,
    });
    const dueAt = card?.due_at ?? new Date(0);
    expect(dueAt.getTime()).toBeGreaterThan(Date.parse('2026-03-03T00:00:00Z'));
    expect(card?.interval_days).toBeGreaterThanOrEqual(1);

    // Not due yet: nothing. Due: two passes at once publish one review, and later passes none.
    expect(await job.runOnce(new Date(dueAt.getTime() - 60_000))).toBe(0);
    const passes = await Promise.all([job.runOnce(dueAt), job.runOnce(dueAt)]);
    expect(passes.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await job.runOnce(new Date(dueAt.getTime() + 86_400_000))).toBe(0);
    const due = (await eventsOf('analytics.review_due', pathId)) as ReviewDueData[];
    expect(due).toHaveLength(1);
    const [review] = due;
    if (!review) throw new Error('one review_due');
    expect(review).toMatchObject({
      path_id: pathId,
      problem_id: 'problem-a',
      module: 'arrays-strings',
      difficulty: 2,
      last_rating: 'easy',
      due_at: dueAt.toISOString(),
      scheduling_policy: 'fsrs-deadline-1',
    });
    expect((await cardOf(user, 'a'))?.pending_review_id).toBe(review.review_id);

    // Task generation made the review task; the learner skips it: rated again and rescheduled.
    const reviewInfo = {
      review_id: review.review_id,
      card_state: review.card_state,
      due_at: review.due_at,
      last_interval_days: review.last_interval_days,
      scheduling_policy: review.scheduling_policy,
    };
    history
      .at(new Date(dueAt.getTime() + 3_600_000).toISOString())
      .task('r1', { problem: 'a', source: 'review', review: reviewInfo })
      .skip('r1');
    await apply((enveloped(history, user, pathId) as TaskStreamEvent[]).slice(-2));
    const skipped = await cardOf(user, 'a');
    expect(skipped).toMatchObject({ last_rating: 'again', reviews: 2, pending_review_id: null });
    expect(skipped?.due_at.getTime()).toBeGreaterThan(dueAt.getTime() + 3_600_000);
    expect(await eventsOf('analytics.review_completed', pathId)).toEqual([
      expect.objectContaining({
        review_id: review.review_id,
        problem_id: 'problem-a',
        ended: 'skipped',
        rating: 'again',
        scheduling_policy: 'fsrs-deadline-1',
      }),
    ]);

    // Due again: a new review; solved after a failed attempt, it is rated hard.
    const againAt = skipped?.due_at ?? new Date(0);
    expect(await job.runOnce(againAt)).toBe(1);
    const second = (await eventsOf('analytics.review_due', pathId))[1] as ReviewDueData;
    expect(second.review_id).not.toBe(review.review_id);
    history
      .at(new Date(againAt.getTime() + 3_600_000).toISOString())
      .task('r2', {
        problem: 'a',
        source: 'review',
        review: { ...reviewInfo, review_id: second.review_id },
      })
      .start('r2')
      .after(10)
      .submit('r2', 's2')
      .evaluate('r2', 's2', 'failed')
      .after(5)
      .submit('r2', 's3', 2)
      .evaluate('r2', 's3', 'passed');
    await apply((enveloped(history, user, pathId) as TaskStreamEvent[]).slice(-6));
    expect(await cardOf(user, 'a')).toMatchObject({
      last_rating: 'hard',
      reviews: 3,
      pending_review_id: null,
    });
    expect((await eventsOf('analytics.review_completed', pathId)).at(-1)).toMatchObject({
      review_id: second.review_id,
      ended: 'passed',
      rating: 'hard',
    });
  });

  it('never schedules a review after the interview date, and ignores evaluations that could not run', async () => {
    const user = `learner-${randomUUID()}`;
    const pathId = randomUUID();
    const history = new ProgressHistory('2026-03-02T09:00:00Z')
      .path({ timezone: 'America/New_York', target_interview_date: '2026-03-04' })
      .task('b', { difficulty: 3 })
      .start('b')
      .after(30)
      .submit('b', 's1')
      .evaluate('b', 's1', 'infrastructure_error')
      .submit('b', 's2')
      .evaluate('b', 's2', 'passed');
    await apply(enveloped(history, user, pathId) as TaskStreamEvent[]);

    const card = await cardOf(user, 'b');
    // One counted attempt, no hint, 30 minutes for difficulty 3 (not fast): good.
    expect(card).toMatchObject({ last_rating: 'good', reviews: 1 });
    expect((card?.due_day ?? '9999') <= '2026-03-03').toBe(true);

    // The what-if replay makes the live decision under the path's own version; plain FSRS
    // would have scheduled the review after the interview.
    const [live] = replayReviews(history.events, 'fsrs-deadline-1');
    expect(live).toMatchObject({
      problemId: 'problem-b',
      rating: 'good',
      due: card?.due_at.toISOString(),
      dueDay: card?.due_day,
    });
    const [plain] = replayReviews(history.events, 'fsrs-1');
    expect((plain?.dueDay ?? '') > '2026-03-03').toBe(true);
  });

  it('schedules by the version the path runs: a path moved to fsrs-1 schedules its next reviews by it', async () => {
    const user = `learner-${randomUUID()}`;
    const pathId = randomUUID();
    const history = new ProgressHistory('2026-03-02T09:00:00Z')
      .path({ timezone: 'UTC' })
      .task('c')
      .start('c')
      .after(20)
      .submit('c', 's1')
      .evaluate('c', 's1', 'passed')
      .movePolicies({ generation: 'generation-1', scheduling: 'fsrs-1' })
      .task('d')
      .start('d')
      .after(20)
      .submit('d', 's2')
      .evaluate('d', 's2', 'passed');
    await apply(enveloped(history, user, pathId) as TaskStreamEvent[]);
    expect((await cardOf(user, 'c'))?.scheduling_policy).toBe('fsrs-deadline-1');
    expect((await cardOf(user, 'd'))?.scheduling_policy).toBe('fsrs-1');
  });
});
