import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  AnalyticsDatabase,
  AnalyticsEventStore,
  ReviewCardRepository,
  ReviewDueJob,
  ReviewQueue,
} from '@studypath/analytics-service';
import { MODULE_IDS } from '@studypath/contracts';
import { PostgresEventStore } from '@studypath/event-store';
import type { AppConfig } from '@studypath/platform';
import { openMigratedDataSource } from '@studypath/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { log, runBench } from './bench-support';

/**
 * `npm run bench:reviews`: finding due cards among BENCH_CARDS (1,000,000) review cards on the
 * real PostgreSQL (issue 13).
 *
 * The seed: BENCH_CARDS cards over BENCH_PATHS (20,000) active paths (50 cards a path at the
 * defaults), due at random over ±60 days around SEED_NOW, BENCH_PENDING (2%) of them pending
 * already (a review published, its task not ended), written by SQL in chunks, then VACUUM
 * (ANALYZE) as autovacuum would leave a table that size.
 *
 * (1) One due-job pass, `ReviewDueJob.runOnce(now)` end to end (lock the due cards, mark each
 *     pending, append its `analytics.review_due` to the service's event log, in transactions of
 *     the job's batch): BENCH_PASSES (30) passes after one warm-up, p50/p99. Time moves on between
 *     passes instead of the marks being reset: pass k runs at the `now` where the next BENCH_DUE
 *     (1,000) cards without a review under way fall due, so each finds exactly BENCH_DUE cards at
 *     the front of the partial index, behind the entries the earlier passes left dead, as the
 *     job finds them in production once earlier cards have been published.
 * (2) `ReviewCardRepository.lockDue` alone, the job's batch (200) at such a `now`: BENCH_QUERIES
 *     (100) runs, each in a transaction rolled back, p50/p99; then `EXPLAIN (ANALYZE, BUFFERS)`
 *     of the very statement the repository sent, with its parameters.
 */
const CARDS = Number(process.env.BENCH_CARDS ?? 1_000_000);
const PATHS = Number(process.env.BENCH_PATHS ?? 20_000);
const DUE = Number(process.env.BENCH_DUE ?? 1_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 30);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const PENDING = Number(process.env.BENCH_PENDING ?? 0.02);

/** The due job's batch (`BATCH` in review-due.job.ts): what one lockDue asks for. */
const JOB_BATCH = 200;
const CHUNK = 100_000;
const SEED_NOW = new Date('2026-06-01T12:00:00Z');

/** A card as the FSRS policy stores it; every seeded card carries the same one. */
const CARD = {
  due: SEED_NOW.toISOString(),
  stability: 12.4,
  difficulty: 5.3,
  elapsed_days: 9,
  scheduled_days: 12,
  learning_steps: 0,
  reps: 4,
  lapses: 1,
  state: 'review',
  last_review: '2026-05-20T12:00:00.000Z',
  last_rating: 'good',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms (${sorted.length} runs)`;
}

async function seed(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT setseed(0.2026)'); // the same seed every run, on this connection
    log(`seeding ${PATHS.toLocaleString('en')} active paths`);
    await runner.query(
      `INSERT INTO analytics.path_progress (path_id, user_id, status, state, board)
       SELECT md5('bench-path-' || p)::uuid, 'bench-user-' || p, 'active',
              jsonb_build_object('pathId', md5('bench-path-' || p)::uuid, 'trackId', 'meta-swe'),
              '{}'::jsonb
         FROM generate_series(0, $1::int - 1) AS p`,
      [PATHS],
    );
    log(
      `seeding ${CARDS.toLocaleString('en')} cards (${CHUNK.toLocaleString('en')} a statement), due over ±60 days around ${SEED_NOW.toISOString()}, ${(PENDING * 100).toFixed(0)}% pending`,
    );
    const started = performance.now();
    for (let from = 0; from < CARDS; from += CHUNK) {
      // Card i belongs to path i % PATHS (its user's only path) and is that user's problem i / PATHS.
      await runner.query(
        `INSERT INTO analytics.review_cards
           (user_id, problem_id, path_id, module, topics, difficulty, card, state, due_at, due_day,
            interval_days, last_rating, reviews, scheduling_policy, pending_review_id, pending_since)
         SELECT 'bench-user-' || d.i % $3, 'bench-problem-' || d.i / $3,
                md5('bench-path-' || d.i % $3)::uuid, ($4::text[])[1 + d.i % cardinality($4::text[])], '["bench-topic"]'::jsonb, 1 + d.i % 5,
                $5::jsonb, 'review', d.due_at, (d.due_at AT TIME ZONE 'UTC')::date,
                1 + floor(random() * 30), 'good', 4, 'fsrs-deadline-1',
                CASE WHEN d.pending THEN gen_random_uuid() END, CASE WHEN d.pending THEN d.due_at END
           FROM (SELECT i, $6::timestamptz + (random() * 120 - 60) * interval '1 day' AS due_at,
                        random() < $7 AS pending
                   FROM generate_series($1::int, $2::int - 1) AS i) d`,
        [
          from,
          Math.min(CARDS, from + CHUNK),
          PATHS,
          MODULE_IDS,
          JSON.stringify(CARD),
          SEED_NOW,
          PENDING,
        ],
      );
      const done = Math.min(CARDS, from + CHUNK);
      const rate = done / ((performance.now() - started) / 1000);
      log(
        `  ${done.toLocaleString('en')}/${CARDS.toLocaleString('en')} cards (${((100 * done) / CARDS).toFixed(0)}%), ${Math.round(rate).toLocaleString('en')} cards/s, ETA ${((CARDS - done) / rate).toFixed(0)} s`,
      );
    }
  } finally {
    await runner.release();
  }
  log('VACUUM (ANALYZE) analytics.review_cards, analytics.path_progress');
  await dataSource.query('VACUUM (ANALYZE) analytics.review_cards, analytics.path_progress');
  const [counts] = (await dataSource.query(
    `SELECT count(*)::int AS cards, count(*) FILTER (WHERE pending_review_id IS NOT NULL)::int AS pending,
            pg_size_pretty(pg_total_relation_size('analytics.review_cards')) AS table_size,
            pg_size_pretty(pg_relation_size('analytics.review_cards_due')) AS index_size
       FROM analytics.review_cards`,
  )) as { cards: number; pending: number; table_size: string; index_size: string }[];
  log(
    `  ${counts?.cards.toLocaleString('en')} cards, ${counts?.pending.toLocaleString('en')} pending; table ${counts?.table_size} with indexes, review_cards_due ${counts?.index_size}`,
  );
}

/**
 * The `now`s at which the next `count` batches of BENCH_DUE cards fall due: the due time of every
 * BENCH_DUE-th card the job would pick, in its order.
 */
async function dueThresholds(dataSource: DataSource, count: number): Promise<Date[]> {
  const rows = (await dataSource.query(
    `SELECT c.due_at FROM analytics.review_cards c
      WHERE c.pending_review_id IS NULL
        AND EXISTS (SELECT 1 FROM analytics.path_progress p
                     WHERE p.path_id = c.path_id AND p.status = 'active')
      ORDER BY c.due_at
      LIMIT $1`,
    [DUE * count],
  )) as { due_at: Date }[];
  // + 1 ms: a JavaScript Date drops the microseconds PostgreSQL keeps, which would leave that card out.
  const thresholds = rows
    .filter((_, i) => (i + 1) % DUE === 0)
    .map((r) => new Date(r.due_at.getTime() + 1));
  if (thresholds.length < count)
    throw new Error(`only ${rows.length} cards can fall due: lower BENCH_DUE or BENCH_PASSES`);
  return thresholds;
}

async function jobPasses(dataSource: DataSource): Promise<void> {
  const queue = new ReviewQueue(
    new PostgresEventStore(dataSource, AnalyticsEventStore),
    new ReviewCardRepository(dataSource),
  );
  const job = new ReviewDueJob(dataSource, queue, { reviewDueIntervalMs: 60_000 } as AppConfig);
  const [warmUp, ...nows] = await dueThresholds(dataSource, PASSES + 1);
  log(
    `(1) due job passes: ${PASSES} timed after one warm-up, each at the now where the next ${DUE.toLocaleString('en')} cards fall due (${warmUp?.toISOString()} to ${nows.at(-1)?.toISOString()})`,
  );
  if (warmUp) log(`  warm-up: ${await job.runOnce(warmUp)} published`);
  const times: number[] = [];
  const published: number[] = [];
  for (const now of nows) {
    const started = performance.now();
    published.push(await job.runOnce(now));
    times.push(performance.now() - started);
    if (times.length % 10 === 0) log(`  ${times.length}/${nows.length} passes`);
  }
  const wrong = published.filter((n) => n !== DUE);
  if (wrong.length > 0)
    log(`  note: ${wrong.length} passes published other than ${DUE} (${wrong.join(', ')})`);
  const [events] = (await dataSource.query(
    `SELECT count(*)::int AS n FROM analytics.events WHERE event_type = 'analytics.review_due'`,
  )) as { n: number }[];
  log(`  ${events?.n.toLocaleString('en')} analytics.review_due events in the service's log`);
  log(
    `(1) ReviewDueJob.runOnce, ${DUE.toLocaleString('en')} due among ${CARDS.toLocaleString('en')} cards (${Math.ceil((DUE + 1) / JOB_BATCH)} transactions, ${DUE.toLocaleString('en')} review_due appended): ${summary(times)}; ${Math.round((DUE * times.length * 1000) / times.reduce((a, b) => a + b, 0)).toLocaleString('en')} cards/s`,
  );
}

async function lockDueAlone(dataSource: DataSource): Promise<void> {
  const cards = new ReviewCardRepository(dataSource);
  const [now] = await dueThresholds(dataSource, 1);
  if (!now) return;
  log(
    `(2) lockDue alone: the job's batch (${JOB_BATCH}) at ${now.toISOString()} (${DUE.toLocaleString('en')} due), ${QUERIES} runs, each in a transaction rolled back`,
  );
  const times: number[] = [];
  let sent: { sql: string; parameters: unknown[] } | undefined;
  for (let run = 0; run < QUERIES; run++) {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // The repository's own statement, kept to EXPLAIN below.
      const recording = Object.create(runner.manager) as EntityManager;
      recording.query = (sql: string, parameters?: unknown[]) => {
        sent = { sql, parameters: parameters ?? [] };
        return runner.manager.query(sql, parameters);
      };
      const started = performance.now();
      const locked = await cards.lockDue(now, JOB_BATCH, recording);
      times.push(performance.now() - started);
      if (locked.length !== JOB_BATCH)
        throw new Error(`lockDue returned ${locked.length}, not ${JOB_BATCH}`);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }
  log(
    `(2) ReviewCardRepository.lockDue (${JOB_BATCH} of ${DUE.toLocaleString('en')} due among ${CARDS.toLocaleString('en')} cards): ${summary(times)}`,
  );
  if (!sent) return;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    const plan = (await runner.query(
      `EXPLAIN (ANALYZE, BUFFERS) ${sent.sql}`,
      sent.parameters,
    )) as { 'QUERY PLAN': string }[];
    const lines = plan.map((row) => row['QUERY PLAN']);
    log('(2) EXPLAIN (ANALYZE, BUFFERS) of the statement lockDue sends:');
    for (const line of lines) log(`    ${line}`);
    const text = lines.join('\n');
    const problems = [
      text.includes('Seq Scan on review_cards') ? 'a sequential scan of review_cards' : '',
      /\bSort\b/.test(text) ? 'a sort' : '',
      text.includes('review_cards_due') ? '' : 'review_cards_due not used',
      text.includes('Seq Scan on path_progress')
        ? 'a sequential scan of every path for the active-path check'
        : '',
    ].filter(Boolean);
    log(
      problems.length > 0
        ? `(2) plan: PROBLEM: ${problems.join('; ')}`
        : '(2) plan: an index scan of review_cards_due in due order, no sort, no sequential scan of review_cards',
    );
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

runBench(async ({ createDatabase }) => {
  // The job's "n review(s) due" line at every pass would drown the figures.
  Logger.overrideLogger(['warn', 'error']);
  const url = await createDatabase('reviews');
  const dataSource = await openMigratedDataSource({
    ...AnalyticsDatabase,
    url,
    poolMax: 2,
    applicationName: 'bench-reviews',
  });
  try {
    await seed(dataSource);
    await jobPasses(dataSource);
    await lockDueAlone(dataSource);
  } finally {
    await dataSource.destroy();
  }
});
