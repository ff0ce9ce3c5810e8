import 'reflect-metadata';
import { META_SWE } from '@studypath/contracts';
import { PathDatabase } from '@studypath/path-service';
import {
  openMigratedDataSource,
  runTypeScript,
  startOtlpReceiver,
  testToken,
} from '@studypath/testing';
import autocannon from 'autocannon';
import { log, runBench } from './bench-support';

/**
 * `npm run bench:path`: throughput and latency of GET /v1/study-tasks/next against the path
 * service as its own process on the real PostgreSQL, Redis and Kafka, with a database holding
 * BENCH_USERS (10,000) users × BENCH_TASKS (50) tasks. Two runs of BENCH_SECONDS (20) s, each
 * request as a random user: saturated with BENCH_CONNECTIONS (64) connections (throughput), then
 * with BENCH_LIGHT_CONNECTIONS (4) connections (latency with little queueing, still hundreds of
 * requests a second).
 *
 * BENCH_OTEL=1 runs the server with tracing on, exporting (OTLP/HTTP, protobuf, every request
 * sampled unless OTEL_TRACES_SAMPLER/OTEL_TRACES_SAMPLER_ARG say otherwise) to a throwaway
 * receiver in this process: the overhead of tracing.
 */
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const TASKS = Number(process.env.BENCH_TASKS ?? 50);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
// autocannon paces a fixed rate in bursts, which inflates latency; a few unpaced connections do not.
const LIGHT = Number(process.env.BENCH_LIGHT_CONNECTIONS ?? 4);
const OTEL = process.env.BENCH_OTEL === '1';
/** The standard sampler settings, passed on to the server with BENCH_OTEL=1 (default: every request). */
const SAMPLER = Object.fromEntries(
  (['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'] as const).flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value]];
  }),
) as { OTEL_TRACES_SAMPLER?: string; OTEL_TRACES_SAMPLER_ARG?: string };

async function seed(url: string): Promise<void> {
  const dataSource = await openMigratedDataSource({
    ...PathDatabase,
    url,
    poolMax: 2,
    applicationName: 'bench-seed',
  });
  const config = {
    target_interview_date: null,
    timezone: 'UTC',
    hours_per_week: 5,
    starting_levels: Object.fromEntries(META_SWE.modules.map((m) => [m.id, 1])),
    personalization_weights: Object.fromEntries(META_SWE.modules.map((m) => [m.id, 1])),
    pending_tasks_ahead: 5,
    max_attempts: 3,
    expiry_days: 7,
  };
  const started = Date.now();
  await dataSource.query(
    `INSERT INTO path.study_paths (path_id, user_id, track_id, status, config, version, created_at, updated_at)
     SELECT md5('path' || u)::uuid, 'bench-user-' || u, 'meta-swe', 'active', $2::jsonb, 1, now(), now()
       FROM generate_series(1, $1) AS u`,
    [USERS, JSON.stringify(config)],
  );
  const chunk = 1000;
  for (let from = 1; from <= USERS; from += chunk) {
    const to = Math.min(USERS, from + chunk - 1);
    // Most tasks are finished; the last ten of each path wait, the first of those in progress.
    await dataSource.query(
      `INSERT INTO path.study_tasks (task_id, path_id, user_id, problem_id, module, topics, difficulty, order_index, source,
         status, attempts, max_attempts, hints_used, metadata, version, created_at, updated_at)
       SELECT md5('task' || u || '-' || t)::uuid, md5('path' || u)::uuid, 'bench-user-' || u,
              (ARRAY['graph-courier-reach', 'arr-sensor-spikes', 'hash-first-repeat-badge', 'dp-shelf-boards'])[1 + t % 4],
              'graphs', ARRAY['bfs'], 1 + t % 5, t, 'initial',
              CASE WHEN t < $3 - 10 THEN 'completed' WHEN t = $3 - 10 THEN 'in_progress' ELSE 'pending' END,
              1, 3, 0, '{}'::jsonb, 3, now() - (($3 - t) || ' hours')::interval, now()
         FROM generate_series($1::int, $2::int) AS u, generate_series(0, $3 - 1) AS t`,
      [from, to, TASKS],
    );
    if ((to / chunk) % 2 === 0 || to === USERS)
      log(`  seeded ${to}/${USERS} users (${to * TASKS} tasks)`);
  }
  await dataSource.query('ANALYZE path.study_paths; ANALYZE path.study_tasks');
  log(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await dataSource.destroy();
}

runBench(async ({ createDatabase, serverEnv }) => {
  const url = await createDatabase('path');
  let server: ReturnType<typeof runTypeScript> | undefined;
  const receiver = OTEL ? await startOtlpReceiver({ keep: false }) : undefined;
  try {
    log(`seeding ${USERS} users × ${TASKS} tasks`);
    await seed(url);
    // HS256 test tokens are for development and tests only; the signature check costs the same order either way.
    server = runTypeScript(
      'apps/path-service/src/main.ts',
      serverEnv(url, {
        DATABASE_POOL_MAX: '16',
        ...(receiver ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...SAMPLER } : {}),
      }),
    );
    const sampled =
      SAMPLER.OTEL_TRACES_SAMPLER === undefined
        ? 'every request sampled'
        : `sampler ${SAMPLER.OTEL_TRACES_SAMPLER} ${SAMPLER.OTEL_TRACES_SAMPLER_ARG ?? ''}`.trim();
    log(
      receiver
        ? `tracing on: exporting to ${receiver.endpoint} (OTLP/HTTP protobuf, ${sampled})`
        : 'tracing off (BENCH_OTEL=1 turns it on)',
    );
    const [, base] = await server.waitFor(/listening on (http:\/\/\S+) /, 120_000);
    const tokens = Array.from({ length: USERS }, (_, i) => testToken(`bench-user-${i + 1}`, 3600));
    const probe = await fetch(`${base}/v1/study-tasks/next`, {
      headers: { authorization: `Bearer ${tokens[0]}` },
    });
    if (probe.status !== 200)
      throw new Error(`GET /v1/study-tasks/next answered ${probe.status}: ${await probe.text()}`);

    const run = (seconds: number, connections: number) =>
      autocannon({
        url: `${base}/v1/study-tasks/next`,
        connections,
        duration: seconds,
        requests: [
          {
            setupRequest: (request) => ({
              ...request,
              headers: {
                authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)]}`,
              },
            }),
          },
        ],
      });
    const report = (title: string, result: autocannon.Result): void => {
      const errors = result.errors + result.timeouts + result.non2xx;
      log(`\n${title}`);
      log(`  requests:   ${result.requests.total} (${errors} errors/timeouts/non-2xx)`);
      log(`  throughput: ${Math.round(result.requests.average)} requests/s`);
      log(
        `  latency:    p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
      );
    };
    log('warming up (5 s)');
    await run(5, CONNECTIONS);
    log(
      `measuring the most it serves: ${CONNECTIONS} connections for ${SECONDS} s, a random user per request`,
    );
    report('GET /v1/study-tasks/next, saturated', await run(SECONDS, CONNECTIONS));
    log(`measuring latency at light load: ${LIGHT} connections, no pacing, for ${SECONDS} s`);
    report(`GET /v1/study-tasks/next, ${LIGHT} connections`, await run(SECONDS, LIGHT));
    if (receiver) {
      const { requests, bytes } = receiver.received();
      log(`\nexported: ${requests} OTLP requests, ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    }
  } finally {
    await server?.stop('SIGTERM');
    await receiver?.close();
  }
});
