import { randomUUID } from 'node:crypto';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import {
  LLM_TUTOR_DEFAULTS,
  TutorGatewayDatabase,
  TutorGatewayServiceModule,
} from '@studypath/tutor-gateway-service';
import {
  askHint,
  createTestDatabase,
  FakeOpenAi,
  hintTextOf,
  httpCaller,
  pollGet,
  readHintStream,
  runTypeScript,
  startTestProcess,
  TEST_AUTH,
  until,
  type FakeOpenAiFault,
  type HttpCall,
  type RunningChild,
  type SseEvent,
  type SseOptions,
  type SseReading,
  type TestDatabase,
  type TestProcess,
} from '@studypath/testing';

/*
 * Issue 14: a hint survives whatever happens while it is written. Two tutor-gateway replicas share
 * Redis, so either serves any hint's stream; a replica killed mid-hint loses nothing (the request
 * is redelivered, the client resumes with Last-Event-ID elsewhere, the hint is recorded once); and
 * every way the LLM can fail still ends in one complete hint. Throughout, a client's text (the
 * chunks after the last `reset`) is the hint that `done` announces.
 */

const catalog = new BundledCatalog();

/** Whole lines: the tutor lets an LLM's text out line by line (an unfinished one could be code). */
const REPLY = [
  'First name the value you must remember.\n',
  'Then walk the input once, left to right.\n',
  'Update that value at each step.\n',
  'Ask what it means when the input is empty.\n',
  'Try it by hand on a small example first.\n',
];

interface Task {
  id: string;
  problem_id: string;
}

interface TaskEvent {
  event_type: string;
  data: { hint_request_id?: string; content?: string; level?: number };
}

/** A new learner's first task: a new path on the Meta track, then its first task once generated. */
async function firstTask(call: HttpCall, user: string): Promise<Task> {
  const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
  expect(created.status).toBe(201);
  const next = await pollGet(call, user, '/v1/study-tasks/next', (a) => a.status === 200, {
    timeoutMs: 120_000,
  });
  return next.body.task as Task;
}

/**
 * Follows a hint's stream like `readHintStream`; a stream opened before the tutor-gateway has read
 * the request waits for it a while and then answers 404: then it opens again.
 */
async function follow(
  base: string,
  user: string,
  hintId: string,
  options: SseOptions = {},
): Promise<SseReading> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      return await readHintStream(base, user, hintId, options);
    } catch (error) {
      if (!/ answered 404 /.test(String(error)) || Date.now() > deadline) throw error;
    }
  }
}

/**
 * Waits until the path service has recorded the hint on the task (its count and its event), then
 * returns the task's `task.hint_delivered` events.
 */
async function recordedHints(call: HttpCall, user: string, task: Task, hintsUsed: number) {
  await pollGet(call, user, `/v1/study-tasks/${task.id}`, (a) => a.body.hints_used === hintsUsed);
  const delivered = (answer: { body: Record<string, unknown> }) =>
    (answer.body.events as TaskEvent[]).filter((e) => e.event_type === 'task.hint_delivered');
  const events = await pollGet(
    call,
    user,
    `/v1/study-tasks/${task.id}/events`,
    (a) => a.status === 200 && delivered(a).length >= hintsUsed,
  );
  return delivered(events);
}

function doneOf(reading: SseReading): SseEvent {
  const done = reading.events.at(-1);
  expect(reading.ended).toBe('terminal');
  expect(done?.event).toBe('done');
  if (!done) throw new Error('no done');
  return done;
}

/** SIGTERM, and SIGKILL for a process that does not stop within 30 s. */
async function stopChild(child: RunningChild): Promise<void> {
  const stopped = child.stop('SIGTERM');
  const timer = setTimeout(() => void child.stop('SIGKILL'), 30_000);
  await stopped;
  clearTimeout(timer);
}

interface ServiceProcess {
  name: string;
  child: RunningChild;
  url: string;
  call: HttpCall;
}

describe('hint streams across tutor-gateway replicas (services as processes on Kafka, PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  /** Each replica has an LLM of its own: the one asked tells which replica wrote a hint. */
  const llms: FakeOpenAi[] = [];
  const children: RunningChild[] = [];
  let path: ServiceProcess;
  let tutors: [ServiceProcess, ServiceProcess];
  const namespace = `hr${randomUUID().slice(0, 8)}.`;

  const start = async (
    name: string,
    service: string,
    env: NodeJS.ProcessEnv = {},
  ): Promise<ServiceProcess> => {
    const child = runTypeScript(`apps/${service}-service/src/main.ts`, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_NAMESPACE: namespace,
      KAFKA_CLIENT_ID: `hint-resilience-${name}`,
      AUTH_HS256_SECRET: TEST_AUTH.secret,
      AUTH_ISSUER: TEST_AUTH.issuer,
      ...env,
    });
    children.push(child);
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+) /, 120_000);
    if (!url) throw new Error(`${name} printed no URL`);
    return { name, child, url, call: httpCaller(url) };
  };

  beforeAll(async () => {
    db = await createTestDatabase([]);
    for (let i = 0; i < 2; i++) llms.push(await FakeOpenAi.start({ reply: REPLY }));
    const llmEnv = (i: number) => ({
      TUTOR_LLM_URL: llms[i]?.baseUrl,
      TUTOR_LLM_MODEL: 'fake-tutor',
    });
    // The first replica migrates the tutor-gateway's schema before the second starts.
    const [pathService, , first] = await Promise.all([
      start('path', 'path'),
      start('task-generation', 'task-generation'),
      start('tutor-0', 'tutor-gateway', llmEnv(0)),
    ]);
    path = pathService;
    tutors = [first, await start('tutor-1', 'tutor-gateway', llmEnv(1))];
  }, 300_000);

  afterAll(async () => {
    await Promise.all(children.map(stopChild));
    await Promise.all(llms.map((llm) => llm.stop()));
    await db?.drop();
  }, 120_000);

  /** Which replica wrote the hint (asked its LLM); undefined while none has. */
  const writer = (): 0 | 1 | undefined =>
    llms[0]?.requests.length ? 0 : llms[1]?.requests.length ? 1 : undefined;

  const logs = () =>
    children.map((child, i) => `--- process ${i} (last lines)\n${child.output().slice(-3000)}`);

  it('a hint written by one replica streams from both at once: the same chunks, the same done, the LLM asked once, recorded once', async () => {
    for (const llm of llms) llm.reset().reply(REPLY).always({ kind: 'slow-chunks', ms: 600 });
    const user = `hr-${randomUUID()}`;
    const task = await firstTask(path.call, user);

    const asked = await path.call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(asked.status).toBe(202);
    expect(asked.body.level).toBe(1);
    const hintId = asked.body.hint_id as string;

    // Both replicas followed at once; each checks, at its first chunk, that the hint is still
    // being written: the chunks came live, not as a replay of a finished hint.
    const statusAtFirstChunk: (string | undefined)[] = [undefined, undefined];
    const readings = await Promise.all(
      tutors.map((tutor, i) =>
        follow(tutor.url, user, hintId, {
          onEvent: async (event) => {
            if (event.event !== 'chunk' || statusAtFirstChunk[i] !== undefined) return;
            const hint = await tutor.call('GET', `/v1/hints/${hintId}`, user);
            statusAtFirstChunk[i] = String(hint.body.status);
          },
        }),
      ),
    );
    const [onFirst, onSecond] = readings;
    if (!onFirst || !onSecond) throw new Error('no readings');
    const consumer = writer();
    process.stdout.write(
      `[hint-resilience] hint ${hintId} written by tutor-${consumer}, streamed by tutor-0 and tutor-1\n`,
    );

    expect(statusAtFirstChunk).toEqual(['generating', 'generating']);
    expect(onSecond.events).toEqual(onFirst.events);
    const done = doneOf(onFirst);
    expect(done.data).toEqual({ content: REPLY.join(''), level: 1, source: 'llm' });
    expect(onFirst.events.filter((e) => e.event === 'chunk').length).toBeGreaterThan(1);
    expect(hintTextOf(onFirst.events)).toBe(done.data.content);
    expect(llms.reduce((asked, llm) => asked + llm.requests.length, 0)).toBe(1);
    expect(consumer).toBeDefined();

    for (const tutor of tutors) {
      const hint = await tutor.call('GET', `/v1/hints/${hintId}`, user);
      expect(hint.body).toMatchObject({
        status: 'delivered',
        content: done.data.content,
        source: 'llm',
        level: 1,
      });
    }
    const delivered = await recordedHints(path.call, user, task, 1);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.data).toMatchObject({ hint_request_id: hintId, content: REPLY.join('') });
  }, 180_000);

  it('the replica writing a hint is SIGKILLed mid-stream: the other takes the request over, the client resumes there with Last-Event-ID and gets the whole hint, recorded once', async () => {
    for (const llm of llms) llm.reset().reply(REPLY).always({ kind: 'slow-chunks', ms: 1500 });
    const user = `hr-${randomUUID()}`;
    const task = await firstTask(path.call, user);

    const asked = await path.call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(asked.status).toBe(202);
    const hintId = asked.body.hint_id as string;
    const victim = await until(writer, 'a replica to ask its LLM for the hint', {
      timeoutMs: 60_000,
    });
    const survivor = victim === 0 ? 1 : 0;
    const [killed, kept] = [tutors[victim], tutors[survivor]];

    // The client follows the writer; at its first chunk the writer dies.
    let exit: Awaited<RunningChild['exited']> | undefined;
    const before = await follow(killed.url, user, hintId, {
      onEvent: async (event) => {
        if (event.event === 'chunk' && !exit) exit = await killed.child.stop('SIGKILL');
      },
    });
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(before.ended).toBe('closed');
    const lastSeen = before.events.at(-1);
    expect(lastSeen?.event).toBe('chunk');
    expect(hintTextOf(before.events).length).toBeLessThan(REPLY.join('').length);

    // It reconnects to the survivor, which gets the request once the group has rebalanced.
    let after: SseReading;
    try {
      after = await follow(kept.url, user, hintId, { lastEventId: lastSeen?.id });
    } catch (error) {
      throw new Error(`${String(error)}\n${logs().join('\n')}`);
    }
    const done = doneOf(after);
    expect(done.data).toEqual({ content: REPLY.join(''), level: 1, source: 'llm' });
    expect(llms[survivor]?.requests).toHaveLength(1);
    // The client's text: the chunks after the last reset, across both connections.
    expect(hintTextOf([...before.events, ...after.events])).toBe(done.data.content);

    const hint = await kept.call('GET', `/v1/hints/${hintId}`, user);
    expect(hint.body).toMatchObject({ status: 'delivered', content: REPLY.join(''), level: 1 });
    const once = await recordedHints(path.call, user, task, 1);
    expect(once).toHaveLength(1);
    expect(once[0]?.data).toMatchObject({ hint_request_id: hintId, content: REPLY.join('') });

    // The task is not left with a hint in flight: the next one (after the spacing between hints)
    // is answered, and once it is recorded, behind the first one in the user's partition, the
    // first one is still recorded exactly once.
    llms[survivor]?.heal();
    const second = await askHint(path.call, user, task.id);
    expect(second.body.level).toBe(2);
    const both = await recordedHints(path.call, user, task, 2);
    expect(both.map((e) => e.data.hint_request_id).sort()).toEqual(
      [hintId, second.body.hint_id as string].sort(),
    );
    const answer = await path.call('GET', `/v1/study-tasks/${task.id}`, user);
    expect(answer.body.hints_used).toBe(2);
  }, 240_000);
});

describe('LLM faults while a hint is written (path, task-generation and tutor-gateway embedded, on Kafka)', () => {
  let e2e: TestProcess;
  let llm: FakeOpenAi;
  const call: HttpCall = (...args) => e2e.call(...args);
  /** A first-token timeout shorter than the default, so the slow cases take seconds, not tens. */
  const firstTokenTimeoutMs = 1_500;
  /** Past the first-token timeout of every attempt. */
  const slow = firstTokenTimeoutMs + 2_000;
  const attempts = 1 + LLM_TUTOR_DEFAULTS.maxRetries;

  beforeAll(async () => {
    // Every chunk a while apart, so that a stream opened after the request is followed live.
    llm = await FakeOpenAi.start({ reply: REPLY, chunkDelayMs: 800 });
    // Read while the application is built, like every TUTOR_LLM_* setting.
    process.env.TUTOR_LLM_URL = llm.baseUrl;
    process.env.TUTOR_LLM_MODEL = 'fake-tutor';
    process.env.TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS = String(firstTokenTimeoutMs);
    e2e = await startTestProcess(
      {
        name: 'e2e-hint-resilience',
        role: 'embedded',
        modules: [PathServiceModule, TaskGenerationServiceModule, TutorGatewayServiceModule],
      },
      { databases: [PathDatabase, TaskGenerationDatabase, TutorGatewayDatabase] },
    );
  }, 120_000);

  afterAll(async () => {
    delete process.env.TUTOR_LLM_URL;
    delete process.env.TUTOR_LLM_MODEL;
    delete process.env.TUTOR_LLM_FIRST_TOKEN_TIMEOUT_MS;
    await e2e?.stop();
    await llm?.stop();
  });

  // In an order that never fails five hints in a row (the circuit breaker would open).
  it.each<[string, FakeOpenAiFault[], FakeOpenAiFault | undefined, 'llm' | 'builtin', number]>([
    [
      'a slow first token on every attempt',
      [],
      { kind: 'slow-first-token', ms: slow },
      'builtin',
      attempts,
    ],
    ['a slow first token once', [{ kind: 'slow-first-token', ms: slow }], undefined, 'llm', 2],
    ['a disconnect mid-stream', [{ kind: 'disconnect', afterChunks: 3 }], undefined, 'builtin', 1],
    [
      'a 429 with Retry-After',
      [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
      undefined,
      'llm',
      2,
    ],
    ['a 500', [{ kind: 'status', status: 500 }], undefined, 'llm', 2],
    [
      'malformed chunks mid-stream',
      [{ kind: 'malformed', afterChunks: 3 }],
      undefined,
      'builtin',
      1,
    ],
  ])(
    '%s: one complete hint, streamed and recorded once',
    async (_name, once, always, source, requests) => {
      llm
        .reset()
        .reply(REPLY)
        .next(...once);
      if (always) llm.always(always);
      const user = `hr-${randomUUID()}`;
      const task = await firstTask(call, user);
      const problem = catalog.all().find((p) => p.id === task.problem_id);
      if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

      const asked = await call('POST', `/v1/study-tasks/${task.id}/hint`, user);
      expect(asked.status).toBe(202);
      expect(asked.body.level).toBe(1);
      const hintId = asked.body.hint_id as string;
      const reading = await follow(e2e.running.url, user, hintId);

      const done = doneOf(reading);
      expect(done.data).toMatchObject({ level: 1, source });
      const content = String(done.data.content);
      if (source === 'llm') expect(content).toBe(REPLY.join(''));
      else expect(content).toContain(problem.hints[0]);
      // Followed while it was written (not a late client's lone `done`), and what the client
      // shows is the hint: the chunks after the last reset.
      expect(reading.events.some((e) => e.event === 'chunk')).toBe(true);
      expect(hintTextOf(reading.events)).toBe(content);
      if (once[0]?.kind === 'disconnect' || once[0]?.kind === 'malformed') {
        // The case a reset is for: the LLM's first lines went out before it failed.
        expect(reading.events.find((e) => e.event === 'chunk')?.data.text).toBe(REPLY[0]);
      }
      expect(llm.requests).toHaveLength(requests);
      if (once[0]?.kind === 'status' && once[0].status === 429) {
        const [first, retry] = llm.requests;
        expect((retry?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
      }

      const hint = await call('GET', `/v1/hints/${hintId}`, user);
      expect(hint.body).toMatchObject({ status: 'delivered', content, source, level: 1 });
      const delivered = await recordedHints(call, user, task, 1);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]?.data).toMatchObject({ hint_request_id: hintId, content });
    },
    180_000,
  );
});
