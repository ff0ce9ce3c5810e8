import 'reflect-metadata';
import {
  AnalyticsDatabase,
  AnalyticsEventStore,
  ProgressCache,
  ProgressProjector,
  ProgressRepository,
  RebuildProgressUseCase,
  RecordProgress,
  ReplayIntoTable,
  ReviewCardRepository,
  ReviewQueue,
  type PeerFigures,
  type TaskStreamEvent,
  type TaskStreamHistory,
} from '@studypath/analytics-service';
import { LATEST_POLICIES, META_SWE, type ModuleId } from '@studypath/contracts';
import { PostgresEventStore } from '@studypath/event-store';
import { MemoryCache } from '@studypath/platform';
import { openMigratedDataSource, runTypeScript, testToken } from '@studypath/testing';
import autocannon from 'autocannon';
import type { DataSource } from 'typeorm';
import { log, runBench } from './bench-support';

/**
 * `npm run bench:analytics`: the analytics projections on the real PostgreSQL (and, for the API,
 * the analytics service as its own process on the real Redis and Kafka).
 *
 * (a) Replay throughput: a generated history of BENCH_EVENTS (1,000,000) task-stream envelopes
 *     (paths of about 50 events: tasks created, started, hints, failed and passed submissions, an
 *     occasional infrastructure error, skips; generated BENCH_BATCH (500) paths at a time,
 *     interleaved by time, all held in memory before the clock starts) folded the way a rebuild
 *     does: in memory by path through ReplayIntoTable, 5,000 paths held, 500 rows a statement, a
 *     write in flight while the fold goes on. First into the live table (what the rebuild's
 *     position filter then needs), then (a″) `RebuildProgressUseCase` itself over the same history,
 *     as `npm run projections:rebuild` runs it. Then, for comparison, the live path on
 *     BENCH_LIVE_EVENTS (20,000) of them: one transaction per event (lock the row, fold, write it,
 *     append the mastery update), one event at a time as a partition's consumer does.
 * (b) GET /v1/study-paths/{id}/progress p50/p99 with BENCH_USERS (10,000) users' read models in
 *     the table, each request as a random user for their path (answers cached in Redis as in
 *     production): at light load, BENCH_RATE (100) requests/s over BENCH_CONNECTIONS (4)
 *     connections for BENCH_SECONDS (20 s); then at saturation, the same connections unpaced.
 *     To see where the server's time goes: BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/p'.
 * (c) The peer comparison's query (ProgressRepository.countPeersBelow, uncached) over that table,
 *     every path on the same track: BENCH_PEER_SAMPLES (50) runs for random readers, p50/p99.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const LIVE_EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 20_000);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const PEER_SAMPLES = Number(process.env.BENCH_PEER_SAMPLES ?? 50);

const MINUTE = 60_000;
const STATUSES_FAILED = ['failed', 'failed', 'failed', 'timeout', 'syntax_error'] as const;

/** A small deterministic generator, so that runs are comparable. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID from the generator: the same history every time it is generated. */
function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** One path's history as the path service records it: a stream per path and per task. */
function pathHistory(index: number, targetEvents: number): TaskStreamEvent[] {
  const rand = random(index + 1);
  const ids = random(1_000_003 * (index + 1));
  const randomUUID = () => uuidFrom(ids);
  const pathId = randomUUID();
  const userId = `bench-writer-${index}`;
  const events: TaskStreamEvent[] = [];
  const positions = new Map<string, number>();
  let clock = Date.parse('2026-01-05T08:00:00Z') + Math.floor(rand() * 30) * 86_400_000;
  const push = (streamId: string, event_type: string, data: Record<string, unknown>): void => {
    const position = (positions.get(streamId) ?? 0) + 1;
    positions.set(streamId, position);
    events.push({
      event_id: randomUUID(),
      event_type,
      schema_version: event_type === 'task.hint_requested' ? 2 : 1,
      stream_id: streamId,
      stream_position: position,
      global_position: 0,
      user_id: userId,
      occurred_at: new Date(clock).toISOString(),
      correlation_id: pathId,
      causation_id: null,
      traceparent: null,
      data,
    } as unknown as TaskStreamEvent);
  };
  const levels = Object.fromEntries(META_SWE.modules.map((m) => [m.id, 1]));
  push(`path-${pathId}`, 'path.created', {
    path_id: pathId,
    track_id: META_SWE.id,
    config: {
      target_interview_date: '2026-06-01',
      timezone: ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata'][index % 4],
      hours_per_week: 5,
      starting_levels: levels,
      personalization_weights: levels,
      pending_tasks_ahead: 5,
      max_attempts: 3,
      expiry_days: 7,
    },
    policies: LATEST_POLICIES,
  });
  for (let t = 0; events.length < targetEvents; t++) {
    const module = META_SWE.modules[Math.floor(t / 4) % META_SWE.modules.length];
    if (!module) break;
    const taskId = randomUUID();
    const stream = `task-${taskId}`;
    const refs = { task_id: taskId, path_id: pathId };
    clock += Math.floor(rand() * 20 * 60) * MINUTE + 30 * MINUTE;
    push(stream, 'task.created', {
      ...refs,
      problem_id: `problem-${t % 40}`,
      module: module.id,
      topics: [`${module.id}-${t % 3}`, `${module.id}-${(t + 1) % 3}`],
      difficulty: 1 + Math.min(4, Math.floor(t / 6)),
      order: t,
      source: t % 9 === 8 ? 'review' : 'adaptive',
      proposal_id: randomUUID(),
    });
    if (rand() < 0.08) {
      push(stream, 'task.skipped', refs);
      continue;
    }
    clock += Math.floor(rand() * 60) * MINUTE;
    push(stream, 'task.started', refs);
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (rand() < 0.25) {
        const hint = randomUUID();
        push(stream, 'task.hint_requested', { ...refs, hint_request_id: hint, level: 1 });
        push(stream, 'task.hint_delivered', {
          ...refs,
          hint_request_id: hint,
          level: 1,
          content: 'Try a map.',
        });
      }
      clock += Math.floor(5 + rand() * 40) * MINUTE;
      const submission = randomUUID();
      push(stream, 'task.submitted', {
        ...refs,
        submission_id: submission,
        problem_id: `problem-${t % 40}`,
        language: 'python',
        code: 'def solve(x):\n    return x\n',
        attempt,
      });
      const roll = rand();
      const status =
        roll < 0.03
          ? 'infrastructure_error'
          : roll < 0.63
            ? 'passed'
            : (STATUSES_FAILED[Math.floor(rand() * STATUSES_FAILED.length)] ?? 'failed');
      const passed = status === 'passed';
      push(stream, 'task.evaluated', {
        ...refs,
        submission_id: submission,
        status,
        score: passed ? 1 : 0.25,
        passed_tests: passed ? 8 : 2,
        total_tests: status === 'infrastructure_error' ? 0 : 8,
        runtime_ms: status === 'infrastructure_error' ? null : 40,
        memory_kb: null,
      });
      if (passed) break;
    }
  }
  return events;
}

/** Paths of about 50 events until `total` events, `chunk` paths at a time, interleaved by time. */
function* history(total: number, chunk: number): Generator<TaskStreamEvent[]> {
  let made = 0;
  let index = 0;
  while (made < total) {
    const batch: TaskStreamEvent[] = [];
    for (let p = 0; p < chunk && made < total; p++) {
      const events = pathHistory(index++, Math.min(40 + (index % 20), total - made));
      made += events.length;
      batch.push(...events);
    }
    // Sort is stable: each stream stays in order, paths interleave as they would on the bus.
    batch.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
    yield batch;
  }
}

async function replay(dataSource: DataSource): Promise<void> {
  log(`(a) generating ${EVENTS.toLocaleString('en')} events (held in memory, not timed)`);
  const generated = performance.now();
  const batches = [...history(EVENTS, BATCH)];
  const events = batches.reduce((n, b) => n + b.length, 0);
  log(`  generated in ${((performance.now() - generated) / 1000).toFixed(1)} s`);

  log(
    "(a) replay: folded in memory by path into analytics.path_progress (the rebuild's writer, ReplayIntoTable)",
  );
  const started = performance.now();
  let lastReport = started;
  let done = 0;
  const into = new ReplayIntoTable(dataSource, 'analytics.path_progress');
  for (const batch of batches) {
    await into.apply(batch);
    done += batch.length;
    const now = performance.now();
    if (now - lastReport > 5000) {
      lastReport = now;
      const rate = done / ((now - started) / 1000);
      log(
        `  ${done.toLocaleString('en')}/${events.toLocaleString('en')} events (${((100 * done) / events).toFixed(0)}%), ${into.paths} paths, ${Math.round(rate).toLocaleString('en')} events/s, ETA ${((events - done) / rate).toFixed(0)} s`,
      );
    }
  }
  await into.finish();
  const seconds = (performance.now() - started) / 1000;
  log(
    `replay into the projection: ${Math.round(events / seconds).toLocaleString('en')} events/s (${events.toLocaleString('en')} events, ${into.paths} paths in ${seconds.toFixed(1)} s)`,
  );

  log(
    "(a″) npm run projections:rebuild's use case over the same history: fresh table, replay, catch-up under the lock, swap",
  );
  const inMemory: TaskStreamHistory = {
    size: () => Promise.resolve(events),
    async *read(from) {
      if (from !== null) return; // the catch-up: nothing after the end
      for (const batch of batches) yield { events: batch, next: 'end' };
    },
  };
  let lastRebuildReport = performance.now();
  const rebuilt = await new RebuildProgressUseCase(dataSource).execute(inMemory, (p) => {
    if (performance.now() - lastRebuildReport < 5000) return;
    lastRebuildReport = performance.now();
    log(
      `  ${p.phase}: ${p.events.toLocaleString('en')}/${p.total?.toLocaleString('en')} events, ${p.paths} paths, ETA ${((p.etaMs ?? 0) / 1000).toFixed(0)} s`,
    );
  });
  log(
    `rebuild (the command's use case): ${Math.round((rebuilt.events * 1000) / rebuilt.elapsedMs).toLocaleString('en')} events/s (${rebuilt.events.toLocaleString('en')} events, ${rebuilt.paths} paths in ${(rebuilt.elapsedMs / 1000).toFixed(1)} s)`,
  );
}

async function live(dataSource: DataSource): Promise<void> {
  const record = new RecordProgress(
    dataSource,
    new PostgresEventStore(dataSource, AnalyticsEventStore),
    new ProgressProjector(new ProgressRepository(dataSource)),
    new ProgressCache(new MemoryCache()),
    new ReviewQueue(
      new PostgresEventStore(dataSource, AnalyticsEventStore),
      new ReviewCardRepository(dataSource),
    ),
  );
  const events = history(LIVE_EVENTS, Math.ceil(LIVE_EVENTS / 40)).next().value ?? [];
  log(`(a′) live path: ${events.length.toLocaleString('en')} events, one transaction each`);
  const started = performance.now();
  for (const [i, event] of events.entries()) {
    await record.execute(event);
    if ((i + 1) % 5000 === 0) log(`  ${i + 1}/${events.length}`);
  }
  const seconds = (performance.now() - started) / 1000;
  log(
    `live projection (a transaction per event, mastery published): ${Math.round(events.length / seconds).toLocaleString('en')} events/s (${events.length} events in ${seconds.toFixed(1)} s)`,
  );
}

/** BENCH_USERS readers, each with a path cloned from the replayed ones. */
async function seedReaders(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    `INSERT INTO analytics.path_progress (path_id, user_id, status, state, board, positions, version)
     SELECT r.path_id, 'bench-user-' || u, s.status,
            jsonb_set(s.state, '{pathId}', to_jsonb(r.path_id::text)), s.board, s.positions, s.version
       FROM generate_series(1, $1::int) AS u
      CROSS JOIN LATERAL (SELECT gen_random_uuid() AS path_id, u AS seq) r
       JOIN (SELECT row_number() OVER (ORDER BY path_id) AS n, * FROM analytics.path_progress
              WHERE user_id LIKE 'bench-writer-%') s
         ON s.n = 1 + u % (SELECT count(*) FROM analytics.path_progress WHERE user_id LIKE 'bench-writer-%')`,
    [USERS],
  );
  await dataSource.query('ANALYZE analytics.path_progress');
}

async function peerQuery(dataSource: DataSource): Promise<void> {
  const repository = new ProgressRepository(dataSource);
  const rows = (await dataSource.query(
    `SELECT user_id, modules FROM analytics.path_progress WHERE user_id LIKE 'bench-user-%' ORDER BY random() LIMIT $1`,
    [PEER_SAMPLES],
  )) as {
    user_id: string;
    modules: Record<string, { attempts: number; passes: number; completed: number }>;
  }[];
  const times: number[] = [];
  for (const row of rows) {
    const mine = Object.entries(row.modules)
      .filter(([, m]) => m.attempts > 0)
      .map(([module, m]): PeerFigures => ({
        module: module as ModuleId,
        accuracy: m.passes / m.attempts,
        completed: m.completed,
      }));
    const started = performance.now();
    await repository.countPeersBelow(META_SWE.id, row.user_id, mine);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? NaN;
  log(
    `(c) peer comparison query over ${rows.length} readers, uncached: p50 ${at(50).toFixed(1)} ms, p99 ${at(99).toFixed(1)} ms`,
  );
}

runBench(async ({ createDatabase, serverEnv }) => {
  const url = await createDatabase('analytics');
  const dataSource = await openMigratedDataSource({
    ...AnalyticsDatabase,
    url,
    poolMax: 2,
    applicationName: 'bench-analytics',
  });
  let server: ReturnType<typeof runTypeScript> | undefined;
  try {
    await replay(dataSource);
    await live(dataSource);
    log(`(b) seeding ${USERS} readers' paths`);
    await seedReaders(dataSource);
    const [count] = (await dataSource.query(
      'SELECT count(*)::int AS n FROM analytics.path_progress',
    )) as { n: number }[];
    log(`  ${count?.n} read models in analytics.path_progress`);

    server = runTypeScript(
      'apps/analytics-service/src/main.ts',
      serverEnv(url, { DATABASE_POOL_MAX: '8' }),
    );
    const [, base] = await server.waitFor(/listening on (http:\/\/\S+) /, 120_000);
    const readers = Array.from({ length: USERS }, (_, i) => ({
      token: testToken(`bench-user-${i + 1}`, 3600),
      n: i + 1,
    }));
    const pathOf = new Map<number, string>(
      (
        (await dataSource.query(
          `SELECT path_id, substring(user_id from 12)::int AS n FROM analytics.path_progress WHERE user_id LIKE 'bench-user-%'`,
        )) as { path_id: string; n: number }[]
      ).map((r) => [r.n, r.path_id]),
    );
    const first = readers[0];
    const probe = await fetch(`${base}/v1/study-paths/${pathOf.get(first?.n ?? 0)}/progress`, {
      headers: { authorization: `Bearer ${first?.token}` },
    });
    if (probe.status !== 200)
      throw new Error(`GET progress answered ${probe.status}: ${await probe.text()}`);

    const run = (seconds: number, overallRate?: number) =>
      autocannon({
        url: `${base}/v1/study-paths/${pathOf.get(1)}/progress`,
        connections: CONNECTIONS,
        duration: seconds,
        ...(overallRate ? { overallRate } : {}),
        requests: [
          {
            setupRequest: (request) => {
              const reader = readers[Math.floor(Math.random() * readers.length)];
              return {
                ...request,
                path: `/v1/study-paths/${pathOf.get(reader?.n ?? 1)}/progress`,
                headers: { authorization: `Bearer ${reader?.token}` },
              };
            },
          },
        ],
      });
    log('  warming up (5 s)');
    await run(5);
    const report = (what: string, result: autocannon.Result): void => {
      const errors = result.errors + result.timeouts + result.non2xx;
      log(
        `GET /v1/study-paths/{id}/progress, ${what}, ${USERS} readers: p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ${Math.round(result.requests.average)} requests/s, ${result.requests.total} requests (${errors} errors/timeouts/non-2xx)`,
      );
    };
    log(
      `  light load: ${RATE} requests/s over ${CONNECTIONS} connections, ${SECONDS} s, a random reader each`,
    );
    report(`light load (${RATE} requests/s)`, await run(SECONDS, RATE));
    log(`  saturation: ${CONNECTIONS} connections, no pacing, ${SECONDS} s, a random reader each`);
    report(`${CONNECTIONS} unpaced connections`, await run(SECONDS));
    await peerQuery(dataSource);
  } finally {
    await server?.stop('SIGTERM');
    await dataSource.destroy();
  }
});
