import 'reflect-metadata';
import { Topics } from '@studypath/contracts';
import {
  FakeOpenAi,
  httpCaller,
  runTypeScript,
  testToken,
  until,
  type HttpCall,
} from '@studypath/testing';
import { DEFAULT_HINT_STREAM_KEY_PREFIX } from '@studypath/tutor-gateway-service';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { log, runBench, type BenchContext } from './bench-support';

/**
 * `npm run bench:tutor`: hint request → first chunk at the client, the pipeline's own overhead.
 * Each sample POSTs /v1/study-tasks/{id}/hint to the path service, opens the hint's SSE stream on
 * the tutor-gateway right after the 202 and stops the clock at its first `chunk` (or `done`)
 * event; the path is task.hint_requested → the path service's outbox relay → Kafka → the
 * tutor-gateway's consumer → the tutor → Redis Streams → SSE. Two modes, one after the other:
 * the built-in tutor, then an LLM (FakeOpenAi answering the whole reply at once, so what is
 * measured is ours, not a model's). Every hint is checked to come from the mode's tutor (its
 * `done` event and GET /v1/hints/{id} say `source`).
 *
 * The path, task-generation and tutor-gateway services run as separate processes (as
 * tools/e2e/service-processes.int-spec.ts starts them) on the real PostgreSQL, Redis and Kafka,
 * rather than one process hosting the three modules: that is the deployment the goal is about
 * (each hop between processes, three event loops sharing the machine's cores), and it lets the
 * tutor-gateway alone restart with the LLM configured. Kafka is KAFKA_BROKERS when set, else a
 * broker found or started as the tests do (runBench); the database is fresh and dropped after.
 *
 * A task takes one hint in flight, hints 10 s apart and three at most, so every sample asks the
 * first hint of a task of its own: BENCH_HINTS (100) per mode over users with a fresh path each
 * (5 pending tasks), prepared before the clock runs; BENCH_WARMUP (5) uncounted hints first.
 * BENCH_CONCURRENCY (1) hints at a time; a sequential run pauses 250-750 ms between hints, as a
 * lone learner leaves the relays idle. Then, per mode, where the time goes, from the timestamps
 * the services store (same machine, same clock).
 */
const HINTS = Number(process.env.BENCH_HINTS ?? 100);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
/** What a fresh path has waiting: the path config's default `pending_tasks_ahead`. */
const TASKS_PER_USER = 5;
/** The goal of issue 14 for the pipeline's own overhead. */
const GOAL_P95_MS = 150;

type Mode = 'builtin' | 'llm';
const SERVICES = ['path', 'task-generation', 'tutor-gateway'] as const;
type Service = (typeof SERVICES)[number];

interface Task {
  user: string;
  taskId: string;
}

interface Sample {
  hintId: string;
  /** Epoch milliseconds (sub-millisecond precision) of each step the client sees. */
  sentAt: number;
  acceptedAt: number;
  /** The stream's response headers: the tutor-gateway found the hint. */
  answeredAt: number;
  firstAt: number;
  firstEvent: 'chunk' | 'done';
}

interface HintDone {
  content: string;
  level: number;
  source: string;
}

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface Figures {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function figures(values: readonly number[]): Figures {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

const ms = (value: number): string => (Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`);

/**
 * Follows a hint's Server-Sent Events as a client does: notes when the response starts and when
 * the first `chunk` or `done` arrives (heartbeat comments and `reset` skipped), then reads on to
 * `done`, which carries the hint that counts.
 */
async function follow(
  base: string,
  user: string,
  hintId: string,
): Promise<Omit<Sample, 'hintId' | 'sentAt' | 'acceptedAt'> & { done: HintDone }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    const response = await fetch(`${base}/v1/hints/${hintId}/stream`, {
      headers: { authorization: `Bearer ${testToken(user)}` },
      signal: controller.signal,
    });
    const answeredAt = now();
    if (response.status !== 200)
      throw new Error(
        `the stream of ${hintId} answered ${response.status}: ${await response.text()}`,
      );
    const reader = response.body?.getReader();
    if (!reader) throw new Error(`the stream of ${hintId} has no body`);
    const decoder = new TextDecoder();
    let buffer = '';
    let first: { at: number; event: 'chunk' | 'done' } | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream of ${hintId} ended before its done event`);
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) continue; // a heartbeat
        const field = (name: string): string =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2) ?? '';
        const event = field('event');
        if (event === 'error') throw new Error(`the stream of ${hintId} failed: ${block}`);
        if (event !== 'chunk' && event !== 'done') continue;
        first ??= { at: now(), event };
        if (event === 'done') {
          controller.abort();
          return {
            answeredAt,
            firstAt: first.at,
            firstEvent: first.event,
            done: JSON.parse(field('data')) as HintDone,
          };
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

interface Running {
  base: string;
  stop(): Promise<void>;
}

runBench(async (context: BenchContext) => {
  const url = await context.createDatabase('tutor');
  const namespace = `benchtutor${Date.now().toString(36)}.`;
  const running = new Map<Service, Running>();
  const unexpected: string[] = [];
  let llm: FakeOpenAi | undefined;

  /** Starts a service process; all of them share the database, the Kafka namespace and Redis. */
  const start = async (service: Service, env: NodeJS.ProcessEnv = {}): Promise<Running> => {
    const child = runTypeScript(
      `apps/${service}-service/src/main.ts`,
      context.serverEnv(url, {
        KAFKA_NAMESPACE: namespace,
        KAFKA_CLIENT_ID: `bench-tutor-${service}`,
        ...env,
      }),
    );
    let stopping = false;
    void child.exited.then((exit) => {
      if (!stopping)
        unexpected.push(
          `${service} exited: ${JSON.stringify(exit)}\n${child.output().slice(-3000)}`,
        );
    });
    const [, base] = await child.waitFor(/listening on (http:\/\/\S+) /, 120_000);
    const handle: Running = {
      base: base ?? '',
      async stop(): Promise<void> {
        stopping = true;
        const exit = await child.stop('SIGTERM');
        if (exit.code !== 0) log(`  ${service} stopped with ${JSON.stringify(exit)}`);
        running.delete(service);
      },
    };
    running.set(service, handle);
    log(`  ${service} listening on ${handle.base}`);
    return handle;
  };

  const check = (): void => {
    if (unexpected.length > 0) throw new Error(`a service died:\n${unexpected.join('\n')}`);
  };

  try {
    log(`starting the path and task-generation services (Kafka namespace ${namespace})`);
    const pathService = await start('path');
    await start('task-generation');
    const callPath: HttpCall = httpCaller(pathService.base);

    /** A fresh user with a path, and its pending tasks. */
    const prepareUser = async (index: number): Promise<Task[]> => {
      const user = `bench-tutor-${index}-${Math.random().toString(36).slice(2, 8)}`;
      const created = await callPath('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
      if (created.status !== 201)
        throw new Error(`POST /v1/study-paths answered ${created.status}`);
      await until(
        async () => (await callPath('GET', '/v1/study-tasks/next', user)).status === 200,
        `the first task of ${user}`,
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      const tasks = await until(
        async () => {
          const page = await callPath('GET', '/v1/study-tasks?limit=50', user);
          const open = (page.body.items as { id: string; status: string }[]).filter(
            (task) => task.status === 'pending' || task.status === 'in_progress',
          );
          return open.length >= TASKS_PER_USER && open;
        },
        `${TASKS_PER_USER} tasks of ${user}`,
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      return tasks.map((task) => ({ user, taskId: task.id }));
    };

    /** Tasks for `count` hints, taken from consecutive users in turn (a user's hints spread out). */
    const prepareTasks = async (count: number): Promise<Task[]> => {
      const users = Math.ceil(count / TASKS_PER_USER);
      const perUser: Task[][] = [];
      let next = 0;
      let ready = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = next++; i < users; i = next++) {
            perUser[i] = await prepareUser(i);
            ready += 1;
            if (ready % 10 === 0 || ready === users) log(`  ${ready}/${users} users ready`);
          }
        }),
      );
      const tasks: Task[] = [];
      for (let round = 0; round < TASKS_PER_USER; round++)
        for (const userTasks of perUser) {
          const task = userTasks[round];
          if (task) tasks.push(task);
        }
      return tasks.slice(0, count);
    };

    const perMode = WARMUP + 1 + HINTS;
    log(`preparing tasks for ${perMode} hints per mode (a fresh path per ${TASKS_PER_USER} hints)`);
    const pools: Record<Mode, Task[]> = {
      builtin: await prepareTasks(perMode),
      llm: await prepareTasks(perMode),
    };

    const results = new Map<Mode, { samples: Sample[]; seconds: number }>();
    for (const mode of ['builtin', 'llm'] as const) {
      check();
      log(
        `\nmode ${mode}: starting the tutor-gateway with ${mode === 'llm' ? 'the fake LLM' : 'the built-in tutor'}`,
      );
      await running.get('tutor-gateway')?.stop();
      if (mode === 'llm') {
        llm = await FakeOpenAi.start({ reply: ['Which value must you remember at each step?'] });
        llm.always({ kind: 'at-once' });
      }
      const tutor = await start(
        'tutor-gateway',
        llm ? { TUTOR_LLM_URL: llm.baseUrl, TUTOR_LLM_MODEL: 'fake-tutor' } : {},
      );
      const callTutor = httpCaller(tutor.base);
      const pool = [...pools[mode]];
      const take = (): Task => {
        const task = pool.shift();
        if (!task) throw new Error('out of prepared tasks');
        return task;
      };

      /** One hint, timed; checked to come from this mode's tutor. */
      const sample = async (task: Task): Promise<Sample> => {
        const sentAt = now();
        const asked = await callPath('POST', `/v1/study-tasks/${task.taskId}/hint`, task.user);
        const acceptedAt = now();
        if (asked.status !== 202)
          throw new Error(`POST .../hint answered ${asked.status}: ${JSON.stringify(asked.body)}`);
        const hintId = asked.body.hint_id as string;
        const followed = await follow(tutor.base, task.user, hintId);
        const stored = await callTutor('GET', `/v1/hints/${hintId}`, task.user);
        if (followed.done.source !== mode || stored.body.source !== mode)
          throw new Error(
            `hint ${hintId} came from ${String(stored.body.source)} (stream: ${followed.done.source}), not ${mode}: the benchmark would measure the wrong path`,
          );
        return { hintId, sentAt, acceptedAt, ...followed };
      };

      // The tutor-gateway joins its consumer group first: wait for the first hint however long.
      const joining = take();
      const first = await callPath('POST', `/v1/study-tasks/${joining.taskId}/hint`, joining.user);
      await until(
        async () => {
          const hint = await callTutor(
            'GET',
            `/v1/hints/${first.body.hint_id as string}`,
            joining.user,
          );
          return hint.status === 200 && hint.body.status === 'delivered';
        },
        'the first hint after the tutor-gateway started',
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      log(`  warming up (${WARMUP} hints)`);
      for (let i = 0; i < WARMUP; i++) await sample(take());
      const llmRequestsBefore = llm?.requests.length ?? 0;

      log(`  measuring ${HINTS} hints, ${CONCURRENCY} at a time`);
      const samples: Sample[] = [];
      const wall = now();
      let started = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (started < HINTS) {
            started += 1;
            samples.push(await sample(take()));
            check();
            if (samples.length % 10 === 0) {
              const sofar = figures(samples.map((s) => s.firstAt - s.sentAt));
              log(
                `  ${samples.length}/${HINTS}: p50 ${ms(sofar.p50)}, p95 ${ms(sofar.p95)}, max ${ms(sofar.max)}`,
              );
            }
            if (CONCURRENCY === 1) await sleep(250 + Math.random() * 500);
          }
        }),
      );
      const seconds = (now() - wall) / 1000;
      if (llm && llm.requests.length - llmRequestsBefore < samples.length)
        throw new Error(
          `the fake LLM got ${llm.requests.length - llmRequestsBefore} requests for ${samples.length} hints`,
        );
      results.set(mode, { samples, seconds });
      await breakdown(
        {
          databaseUrl: url,
          brokers: context.infra.kafka.brokers,
          namespace,
          redisUrl: context.infra.redis.url,
        },
        mode,
        samples,
      );
    }

    const rows = [...results].map(([mode, { samples }]) => ({
      mode,
      ...figures(samples.slice(0, HINTS).map((s) => s.firstAt - s.sentAt)),
    }));
    log(
      `\nhint request → first chunk at the client, over Kafka (path, task-generation and tutor-gateway as processes), ${CONCURRENCY} at a time:`,
    );
    log(
      `  ${'mode'.padEnd(10)}${['count', 'p50', 'p95', 'p99', 'max'].map((h) => h.padStart(11)).join('')}`,
    );
    for (const row of rows)
      log(
        `  ${row.mode.padEnd(10)}${String(row.count).padStart(11)}${[row.p50, row.p95, row.p99, row.max].map((v) => ms(v).padStart(11)).join('')}`,
      );
    for (const row of rows)
      log(
        `  ${row.mode}: p95 ${ms(row.p95)} ${row.p95 < GOAL_P95_MS ? 'meets' : 'misses'} the goal of p95 < ${GOAL_P95_MS} ms`,
      );
  } finally {
    for (const service of [...SERVICES].reverse()) await running.get(service)?.stop();
    await llm?.stop();
  }
});

/** Where the stored timestamps of a run are: the services' database, Kafka and Redis. */
interface Stores {
  databaseUrl: string;
  brokers: string[];
  namespace: string;
  redisUrl: string;
}

/**
 * When the path service's relay published each hint request to Kafka: the records' timestamps
 * (CreateTime, taken by the producer as it sends), read back after the run by a group of its own.
 */
async function publishedAt(
  stores: Stores,
  hintIds: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const kafka = new Kafka({
    clientId: 'bench-tutor-reader',
    brokers: stores.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `bench-tutor-reader-${Date.now()}` });
  const found = new Map<string, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({
      topic: `${stores.namespace}${Topics.taskEvents}`,
      fromBeginning: true,
    });
    let allFound: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allFound = resolve;
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString('utf8') ?? '{}') as {
          event_type?: string;
          data?: { hint_request_id?: string };
        };
        const id = event.data?.hint_request_id;
        if (event.event_type === 'task.hint_requested' && id && hintIds.has(id))
          found.set(id, Number(message.timestamp));
        if (found.size === hintIds.size) allFound();
        await Promise.resolve();
      },
    });
    await Promise.race([done, sleep(30_000)]);
  } finally {
    await consumer.disconnect();
  }
  return found;
}

/**
 * Where the time goes: the client's timestamps against the ones the services store: the path
 * service's event, the relay's Kafka record, the tutor-gateway's first Redis Streams entry (its id
 * is the time it was added) and its stored hint. One machine, one clock.
 */
async function breakdown(stores: Stores, mode: Mode, samples: Sample[]): Promise<void> {
  const db = new Client({ connectionString: stores.databaseUrl });
  const redis = new Redis(stores.redisUrl);
  await db.connect();
  try {
    const { rows } = await db.query<{ hint_id: string; appended: string; delivered: string }>(
      `SELECT h.hint_id::text AS hint_id,
              extract(epoch FROM e.recorded_at) * 1000 AS appended,
              extract(epoch FROM h.delivered_at) * 1000 AS delivered
         FROM tutor_gateway.hints h
         JOIN path.task_events e
           ON e.event_type = 'task.hint_requested' AND e.data->>'hint_request_id' = h.hint_id::text
        WHERE h.hint_id = ANY($1::uuid[])`,
      [samples.map((s) => s.hintId)],
    );
    const stored = new Map(
      rows.map((row) => [
        row.hint_id,
        { appended: Number(row.appended), delivered: Number(row.delivered) },
      ]),
    );
    const published = await publishedAt(stores, new Set(samples.map((s) => s.hintId)));
    const firstChunk = new Map<string, number>();
    for (const s of samples) {
      const [entry] = await redis.xrange(
        `${DEFAULT_HINT_STREAM_KEY_PREFIX}${s.hintId}`,
        '-',
        '+',
        'COUNT',
        1,
      );
      const written = entry ? /^(\d+)-\d+$/.exec(entry[0]) : null;
      if (written) firstChunk.set(s.hintId, Number(written[1]));
    }
    const timeline = samples.flatMap((s) => {
      const row = stored.get(s.hintId);
      const relayed = published.get(s.hintId);
      const chunk = firstChunk.get(s.hintId);
      return row && relayed !== undefined && chunk !== undefined
        ? [{ ...s, ...row, relayed, chunk }]
        : [];
    });
    const segment = (name: string, values: number[]): void => {
      const f = figures(values);
      log(`    ${name.padEnd(58)} p50 ${ms(f.p50).padStart(9)}  p95 ${ms(f.p95).padStart(9)}`);
    };
    log(
      `  where the time goes (${mode}, ${timeline.length} of ${samples.length} hints with every timestamp):`,
    );
    segment(
      'POST sent → 202 at the client',
      samples.map((s) => s.acceptedAt - s.sentAt),
    );
    segment(
      'POST sent → task.hint_requested appended',
      timeline.map((s) => s.appended - s.sentAt),
    );
    segment(
      'appended → published to Kafka (the relay)',
      timeline.map((s) => s.relayed - s.appended),
    );
    segment(
      'published → first chunk written (Kafka, tutor-gateway)',
      timeline.map((s) => s.chunk - s.relayed),
    );
    segment(
      'first chunk written → hint stored as delivered',
      timeline.map((s) => s.delivered - s.chunk),
    );
    segment(
      '202 → stream answers (the hint stream had its first entry)',
      samples.map((s) => s.answeredAt - s.acceptedAt),
    );
    segment(
      'first chunk written → first event at the client',
      timeline.map((s) => s.firstAt - s.chunk),
    );
    const chunks = samples.filter((s) => s.firstEvent === 'chunk').length;
    log(
      `    first event: chunk ${chunks}, done ${samples.length - chunks} (done: the hint was complete before the stream found it)`,
    );
  } finally {
    redis.disconnect();
    await db.end();
  }
}
