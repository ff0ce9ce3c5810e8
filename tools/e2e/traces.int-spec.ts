import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  createTestDatabase,
  runTypeScript,
  startOtlpReceiver,
  TEST_AUTH,
  testToken,
  until,
  type OtlpReceiver,
  type ReceivedSpan,
  type RunningChild,
  type TestDatabase,
} from '@studypath/testing';

const catalog = new BundledCatalog();
const SERVER = 2;
const CONSUMER = 5;
const PRODUCER = 4;

function baseEnv(receiver: OtlpReceiver): NodeJS.ProcessEnv {
  const { PATH, HOME } = process.env;
  return {
    PATH,
    HOME,
    NODE_ENV: 'test',
    PORT: '0',
    AUTH_HS256_SECRET: TEST_AUTH.secret,
    AUTH_ISSUER: TEST_AUTH.issuer,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // JSON rather than the default protobuf: the receiver reads it without a schema.
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans reach the receiver within half a second rather than five.
    OTEL_BSP_SCHEDULE_DELAY: '500',
  };
}

async function request(
  url: string,
  user: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${testToken(user)}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A user's first submission (a correct one): creates a path, submits its first task's solution. */
async function submitFirstTask(pathUrl: string, user: string): Promise<void> {
  const created = await request(pathUrl, user, 'POST', '/v1/study-paths', { track_id: 'meta-swe' });
  expect(created.status).toBe(201);
  const next = await until(
    async () => {
      const answer = await request(pathUrl, user, 'GET', '/v1/study-tasks/next');
      return answer.status === 200 && (answer.body.task as { id: string; problem_id: string });
    },
    'the first task of the path',
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  const problem = catalog.all().find((p) => p.id === next.problem_id);
  const submitted = await request(pathUrl, user, 'POST', `/v1/study-tasks/${next.id}/submit`, {
    language: 'python',
    code: problem?.solutions.python,
  });
  expect(submitted.status).toBe(202);
}

/** The spans of one trace, with the ancestry of a span within it. */
class Trace {
  private readonly byId: Map<string, ReceivedSpan>;

  constructor(readonly spans: ReceivedSpan[]) {
    this.byId = new Map(spans.map((s) => [s.spanId, s]));
  }

  /** The first span that `matches` and descends from `ancestor` (or any span, without one). */
  find(
    matches: (span: ReceivedSpan) => boolean,
    ancestor?: ReceivedSpan,
  ): ReceivedSpan | undefined {
    return this.spans.find((s) => matches(s) && (!ancestor || this.descendsFrom(s, ancestor)));
  }

  descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
    for (let at = span.parentSpanId; at; at = this.byId.get(at)?.parentSpanId) {
      if (at === ancestor.spanId) return true;
    }
    return false;
  }
}

const consumerOf =
  (group: string, eventType?: string) =>
  (span: ReceivedSpan): boolean =>
    span.kind === CONSUMER &&
    span.attributes['messaging.consumer.group.name'] === group &&
    (eventType === undefined || span.attributes['studypath.event_type'] === eventType);

/**
 * Waits until the receiver holds the whole chain of one submission and checks its order:
 * POST submit (HTTP server span) → the `submit` command → `send` of task.submitted and, beside
 * it, the evaluation's consumer span of task.submitted → the sandbox run → the path's consumer
 * span of evaluation.completed → the `record_evaluation` command → task-generation's consumer
 * span of the task's new status. Returns the services the trace's spans came from.
 */
async function submissionTrace(
  receiver: OtlpReceiver,
  system: 'kafka' | 'in-process',
): Promise<{ trace: Trace; services: Set<string> }> {
  let last = 'no submit request yet';
  const chain = await until(
    () => {
      const submit = receiver
        .spans()
        .find(
          (s) =>
            s.kind === SERVER &&
            s.attributes['http.request.method'] === 'POST' &&
            /\/submit$/.test(String(s.attributes['url.path'] ?? s.attributes['http.target'])),
        );
      if (!submit) return false;
      const trace = new Trace(receiver.spans().filter((s) => s.traceId === submit.traceId));
      const steps: [string, (span: ReceivedSpan) => boolean, () => ReceivedSpan | undefined][] = [];
      const found: Record<string, ReceivedSpan> = { submit };
      const step = (
        name: string,
        parent: string,
        matches: (span: ReceivedSpan) => boolean,
      ): void => {
        steps.push([name, matches, () => trace.find(matches, found[parent])]);
      };
      step('command', 'submit', (s) => s.name === 'task submit');
      step('send', 'command', (s) => s.kind === PRODUCER && /task-events/.test(s.name));
      step('evaluation', 'command', consumerOf('evaluation', 'task.submitted'));
      step('sandbox', 'evaluation', (s) => s.name === 'sandbox run');
      step('path', 'evaluation', consumerOf('path-service', 'evaluation.completed'));
      step('record', 'path', (s) => s.name === 'task record_evaluation');
      step('generation', 'record', consumerOf('task-generation'));
      for (const [name, , locate] of steps) {
        const span = locate();
        if (!span) {
          last = `a "${name}" span in trace ${submit.traceId} (${trace.spans.length} spans: ${trace.spans.map((s) => `${s.service}:${s.name}`).join(', ')})`;
          return false;
        }
        found[name] = span;
      }
      return { trace, found };
    },
    () => last,
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  const { trace, found } = chain;
  // Direct parents where the design says so (docs/observability.md, "Traces").
  expect(found.send?.parentSpanId).toBe(found.command?.spanId);
  expect(found.evaluation?.parentSpanId).toBe(found.command?.spanId);
  expect(found.evaluation?.attributes).toMatchObject({
    'messaging.system': system,
    'messaging.operation.type': 'process',
    'messaging.destination.name': 'studypath.task-events.v1',
    'messaging.consumer.group.name': 'evaluation',
    'studypath.event_type': 'task.submitted',
  });
  expect(found.sandbox?.attributes).toMatchObject({
    'studypath.sandbox.language': 'python',
    'studypath.sandbox.status': 'passed',
  });
  expect(trace.spans.filter((s) => s.statusCode === 2).map((s) => s.name)).toEqual([]);
  return { trace, services: new Set(trace.spans.map((s) => s.service)) };
}

describe('traces: one submission is one trace across the services', () => {
  let db: TestDatabase;
  let distributedDb: TestDatabase;
  let receiver: OtlpReceiver;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-traces-'));

  beforeAll(async () => {
    db = await createTestDatabase([]);
    distributedDb = await createTestDatabase([]);
    receiver = await startOtlpReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await db?.drop();
    await distributedDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('in the embedded process (in-process bus): HTTP → command → evaluation → sandbox → path → generation, and no ERROR or WARN line', async () => {
    const child = runTypeScript('apps/studypath/src/main.ts', {
      ...baseEnv(receiver),
      DATABASE_URL: db.url,
      STUDYPATH_DATA_DIR: dataDir,
    });
    try {
      const [, url] = await child.waitFor(/API:\s+(http:\/\/\S+)\/v1/, 120_000);
      await submitFirstTask(url as string, 'traced-embedded-user');
      const { services } = await submissionTrace(receiver, 'in-process');
      expect(services).toEqual(new Set(['studypath']));
    } finally {
      const exit = await child.stop('SIGTERM');
      expect({ ...exit, output: exit.code === 0 ? '' : child.output() }).toEqual({
        code: 0,
        signal: null,
        output: '',
      });
    }
    expect(child.output()).not.toMatch(/\b(ERROR|WARN)\b/);
    expect(receiver.rejected()).toBe(0);
  }, 240_000);

  it('across service processes on the real Kafka: spans from path, evaluation and task-generation in one trace', async () => {
    const before = new Set(receiver.spans().map((s) => s.traceId));
    const services = ['path', 'evaluation', 'task-generation'] as const;
    const children: RunningChild[] = services.map((service) =>
      runTypeScript(`apps/${service}-service/src/main.ts`, {
        ...baseEnv(receiver),
        DATABASE_URL: distributedDb.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      }),
    );
    try {
      const [[, pathUrl]] = await Promise.all(
        children.map((child) => child.waitFor(/listening on (http:\/\/\S+) /, 120_000)),
      );
      await submitFirstTask(pathUrl as string, 'traced-distributed-user');
      const { trace, services: seen } = await submissionTrace(
        {
          ...receiver,
          spans: () => receiver.spans().filter((s) => !before.has(s.traceId)),
        },
        'kafka',
      );
      expect([...seen].sort()).toEqual(
        expect.arrayContaining([
          'studypath-evaluation',
          'studypath-path',
          'studypath-task-generation',
        ]),
      );
      expect(new Set(trace.spans.map((s) => s.traceId)).size).toBe(1);
    } finally {
      const exits = await Promise.all(children.map((child) => child.stop('SIGTERM')));
      expect(
        exits.map((exit, i) => ({ ...exit, output: exit.code === 0 ? '' : children[i]?.output() })),
      ).toEqual(exits.map(() => ({ code: 0, signal: null, output: '' })));
    }
    expect(receiver.rejected()).toBe(0);
  }, 300_000);
});
