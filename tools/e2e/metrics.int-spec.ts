import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { AnalyticsDatabase, AnalyticsServiceModule } from '@studypath/analytics-service';
import { EvaluationDatabase, EvaluationServiceModule } from '@studypath/evaluation-service';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { TutorGatewayDatabase, TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';
import {
  createTestDatabase,
  FakeOpenAi,
  httpCaller,
  parseExposition,
  pollGet,
  runTypeScript,
  samplesOf,
  startTestProcess,
  sumOf,
  testProcessEnv,
  until,
  type HttpAnswer,
  type HttpCall,
  type MetricFamily,
  type RunningChild,
  type TestDatabase,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

/** Every family of the contract (docs/observability.md, "Metrics"), with its type and labels. */
const CONTRACT: Record<string, { type: string; labels: string[] }> = {
  http_server_request_duration_seconds: {
    type: 'histogram',
    labels: ['method', 'route', 'status_code'],
  },
  studypath_tasks_total: { type: 'counter', labels: ['module', 'outcome'] },
  studypath_submit_to_evaluated_seconds: { type: 'histogram', labels: ['language'] },
  studypath_sandbox_run_seconds: { type: 'histogram', labels: ['language', 'status'] },
  studypath_evaluations_total: { type: 'counter', labels: ['status'] },
  studypath_hint_requests_total: { type: 'counter', labels: ['level'] },
  studypath_hints_delivered_total: { type: 'counter', labels: ['source', 'level'] },
  studypath_hint_first_chunk_seconds: { type: 'histogram', labels: ['source'] },
  studypath_hint_fallbacks_total: { type: 'counter', labels: ['reason'] },
  studypath_consumer_lag_messages: { type: 'gauge', labels: ['group', 'topic', 'partition'] },
  studypath_consumer_messages_total: { type: 'counter', labels: ['group', 'topic', 'outcome'] },
  studypath_outbox_lag_events: { type: 'gauge', labels: ['schema'] },
  studypath_outbox_published_total: { type: 'counter', labels: ['schema'] },
  studypath_relay_leader: { type: 'gauge', labels: ['schema'] },
  studypath_relay_failures_total: { type: 'counter', labels: ['schema'] },
  studypath_dead_letters_total: { type: 'counter', labels: ['group', 'topic'] },
  studypath_rate_limit_refusals_total: { type: 'counter', labels: ['policy'] },
};

/** Every family of the contract is there with its type, and each sample has exactly its labels. */
function expectContract(families: Map<string, MetricFamily>): void {
  for (const [name, { type, labels }] of Object.entries(CONTRACT)) {
    expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
    for (const sample of families.get(name)?.samples ?? []) {
      const own = Object.keys(sample.labels).filter((label) => label !== 'le');
      expect({ name, labels: own.sort() }).toEqual({ name, labels: [...labels].sort() });
    }
  }
}

/**
 * What Prometheus's own linter (`promtool check metrics`, Debian's prometheus package, which CI
 * installs) finds in an exposition, but for prom-client's default `nodejs_active_*_total` gauges,
 * whose names are prom-client's: nothing, or the exposition would not parse or breaks a convention.
 */
function promtoolProblems(exposition: string): string[] {
  const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
  });
  if (run.error) throw run.error;
  return `${run.stdout}${run.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^nodejs_active_\w+_total non-counter/.test(line));
}

async function scrape(
  url: string,
  headers: Record<string, string> = {},
): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`${url}/metrics`, { headers });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return parseExposition(await response.text());
}

describe('/metrics of the embedded process after a workload (all five services, in-process bus)', () => {
  let e2e: TestProcess;
  let llm: FakeOpenAi;
  const call: HttpCall = (...args) => e2e.call(...args);
  const poll = (user: string, path: string, done: (a: HttpAnswer) => boolean) =>
    pollGet(call, user, path, done, { timeoutMs: 60_000 });

  beforeAll(async () => {
    llm = await FakeOpenAi.start({ reply: ['Which value ', 'must you keep?'] });
    // Read while the application is built, like every TUTOR_LLM_* setting.
    process.env.TUTOR_LLM_URL = llm.baseUrl;
    process.env.TUTOR_LLM_MODEL = 'fake-tutor';
    e2e = await startTestProcess(
      {
        name: 'e2e-metrics',
        role: 'embedded',
        modules: [
          PathServiceModule,
          TaskGenerationServiceModule,
          EvaluationServiceModule,
          TutorGatewayServiceModule,
          AnalyticsServiceModule,
        ],
      },
      {
        databases: [
          PathDatabase,
          TaskGenerationDatabase,
          EvaluationDatabase,
          TutorGatewayDatabase,
          AnalyticsDatabase,
        ],
        // As the embedded process runs by default: the in-process bus, memory for the cache, the
        // rate limits and the hint streams. A small budget for requests without a token.
        env: { KAFKA_BROKERS: undefined, REDIS_URL: undefined, RATE_LIMIT_ANONYMOUS: '3/1h' },
      },
    );
  });

  afterAll(async () => {
    delete process.env.TUTOR_LLM_URL;
    delete process.env.TUTOR_LLM_MODEL;
    await e2e?.stop();
    await llm?.stop();
  });

  it('counts tasks, evaluations, sandbox runs, hints, HTTP requests, consumers, relays and refusals', async () => {
    const user = `user-${randomUUID()}`;
    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      201,
    );
    const next = await poll(user, '/v1/study-tasks/next', (a) => a.status === 200);
    const task = next.body.task as { id: string; problem_id: string; module: string };
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

    const result = (submissionId: string) =>
      poll(
        user,
        `/v1/submissions/${submissionId}?wait=5000`,
        (a) => a.status === 200 && (a.body.status === 'completed' || a.body.status === 'failed'),
      );
    const wrong = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'python',
      code: `def ${problem.signature.python.name}(*args):\n    return None\n`,
    });
    expect(wrong.status).toBe(202);
    expect((await result(wrong.body.submission_id as string)).body).toMatchObject({
      evaluation: { status: 'failed' },
    });
    await poll(user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'in_progress');

    // The LLM refuses (401): the built-in tutor answers, a fallback.
    llm.next({ kind: 'status', status: 401 });
    const hint = await call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(hint.status).toBe(202);
    const delivered = await poll(
      user,
      `/v1/hints/${hint.body.hint_id as string}`,
      (a) => a.status === 200 && a.body.status === 'delivered',
    );
    expect(delivered.body).toMatchObject({ level: 1, source: 'builtin' });

    const right = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'javascript',
      code: problem.solutions.javascript,
    });
    expect(right.status).toBe(202);
    expect((await result(right.body.submission_id as string)).body).toMatchObject({
      evaluation: { status: 'passed' },
    });
    await poll(user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'completed');

    // Three requests without a token spend the anonymous budget; the fourth is refused.
    for (let i = 0; i < 3; i++)
      expect((await call('GET', '/v1/study-tasks/next', null)).status).toBe(401);
    expect((await call('GET', '/v1/study-tasks/next', null)).status).toBe(429);

    expect((await call('GET', `/v1/no-such-thing/${randomUUID()}`, user)).status).toBe(404);

    const url = e2e.running.url;
    // The path service counts task.completed once its transaction commits: wait for the count.
    const families = await until(
      async () => {
        const scraped = await scrape(url);
        return (
          sumOf(scraped, 'studypath_tasks_total', { outcome: 'completed' }) >= 1 &&
          sumOf(scraped, 'studypath_hints_delivered_total') >= 1 &&
          scraped
        );
      },
      'the completed task and the delivered hint to be counted',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expectContract(families);

    const http = 'http_server_request_duration_seconds_count';
    expect(
      sumOf(families, http, {
        method: 'POST',
        route: '/v1/study-tasks/:id/submit',
        status_code: '202',
      }),
    ).toBe(2);
    expect(
      sumOf(families, http, { method: 'POST', route: '/v1/study-paths', status_code: '201' }),
    ).toBe(1);
    expect(
      sumOf(families, http, { method: 'GET', route: '/v1/study-tasks/next', status_code: '401' }),
    ).toBe(3);
    // Refused before routing.
    expect(sumOf(families, http, { route: 'unmatched', status_code: '429' })).toBe(1);
    expect(sumOf(families, http, { route: 'unmatched', status_code: '404' })).toBe(1);
    const routes = samplesOf(families, http).map((s) => s.labels.route ?? '');
    expect(routes.filter((route) => /[0-9a-f]{8}-[0-9a-f]{4}/.test(route))).toEqual([]);
    expect(routes).not.toContain('/metrics');
    expect(routes.filter((route) => route.includes('*'))).toEqual([]);
    expect(routes.filter((route) => route.startsWith('/health'))).toEqual([]);

    expect(sumOf(families, 'studypath_tasks_total', { outcome: 'created' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sumOf(families, 'studypath_tasks_total', { module: task.module, outcome: 'completed' }),
    ).toBe(1);
    expect(sumOf(families, 'studypath_evaluations_total', { status: 'passed' })).toBe(1);
    expect(sumOf(families, 'studypath_evaluations_total', { status: 'failed' })).toBe(1);
    expect(
      sumOf(families, 'studypath_sandbox_run_seconds_count', {
        language: 'python',
        status: 'failed',
      }),
    ).toBe(1);
    expect(
      sumOf(families, 'studypath_sandbox_run_seconds_count', {
        language: 'javascript',
        status: 'passed',
      }),
    ).toBe(1);
    expect(sumOf(families, 'studypath_sandbox_run_seconds_sum')).toBeGreaterThan(0);
    expect(
      sumOf(families, 'studypath_submit_to_evaluated_seconds_count', { language: 'python' }),
    ).toBe(1);
    expect(
      sumOf(families, 'studypath_submit_to_evaluated_seconds_count', { language: 'javascript' }),
    ).toBe(1);
    expect(sumOf(families, 'studypath_submit_to_evaluated_seconds_sum')).toBeGreaterThan(0);

    expect(sumOf(families, 'studypath_hint_requests_total', { level: '1' })).toBe(1);
    expect(
      sumOf(families, 'studypath_hints_delivered_total', { source: 'builtin', level: '1' }),
    ).toBe(1);
    expect(sumOf(families, 'studypath_hint_fallbacks_total', { reason: 'refused' })).toBe(1);
    expect(sumOf(families, 'studypath_hint_first_chunk_seconds_count', { source: 'builtin' })).toBe(
      1,
    );

    // The in-process bus: every group's messages, none failed; no Kafka, so no consumer lag.
    for (const group of [
      'path-service',
      'task-generation',
      'evaluation',
      'tutor-gateway',
      'analytics',
    ]) {
      expect({
        group,
        handled:
          sumOf(families, 'studypath_consumer_messages_total', {
            group,
            outcome: 'handled',
          }) > 0,
      }).toEqual({ group, handled: true });
    }
    expect(
      sumOf(families, 'studypath_consumer_messages_total', {
        group: 'evaluation',
        topic: 'studypath.task-events.v1',
        outcome: 'handled',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(samplesOf(families, 'studypath_consumer_messages_total', { outcome: 'failed' })).toEqual(
      [],
    );
    expect(samplesOf(families, 'studypath_dead_letters_total')).toEqual([]);
    expect(samplesOf(families, 'studypath_consumer_lag_messages')).toEqual([]);

    for (const schema of ['path', 'task_generation', 'evaluation', 'tutor_gateway', 'analytics']) {
      expect({ schema, leader: sumOf(families, 'studypath_relay_leader', { schema }) }).toEqual({
        schema,
        leader: 1,
      });
      expect(samplesOf(families, 'studypath_outbox_lag_events', { schema })).toHaveLength(1);
      expect(samplesOf(families, 'studypath_relay_failures_total', { schema })).toHaveLength(1);
    }
    expect(
      sumOf(families, 'studypath_outbox_published_total', { schema: 'path' }),
    ).toBeGreaterThanOrEqual(5);
    expect(
      sumOf(families, 'studypath_outbox_published_total', { schema: 'evaluation' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sumOf(families, 'studypath_rate_limit_refusals_total', { policy: 'anonymous' })).toBe(1);

    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(promtoolProblems(await (await fetch(`${url}/metrics`)).text())).toEqual([]);
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  }, 180_000);
});

describe('/metrics of service processes on the real Kafka', () => {
  /** The token that shows operators /health's details, and lets Prometheus scrape. */
  const OPERATOR_TOKEN = 'metrics-test-operator-token-0123456789';
  let db: TestDatabase;
  const children: RunningChild[] = [];

  beforeAll(async () => {
    db = await createTestDatabase([]);
  });

  afterAll(async () => {
    for (const child of children) await child.stop('SIGTERM');
    await db?.drop();
  });

  it('expose their consumer lag per group and partition and their outbox state, to the operators token only', async () => {
    const { PATH, HOME } = process.env;
    const env = testProcessEnv({
      PATH,
      HOME,
      DATABASE_URL: db.url,
      HEALTH_DETAILS_TOKEN: OPERATOR_TOKEN,
      // The banner with the address is a LOG line.
      LOG_LEVEL: 'log',
    });
    const start = async (service: string): Promise<string> => {
      const child = runTypeScript(`apps/${service}-service/src/main.ts`, env);
      children.push(child);
      const [, url] = await child.waitFor(/listening on (http:\/\/\S+) /, 90_000);
      if (!url) throw new Error(`${service} printed no address`);
      return url;
    };
    const [pathUrl, generationUrl] = await Promise.all([start('path'), start('task-generation')]);
    const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

    expect((await fetch(`${pathUrl}/metrics`)).status).toBe(401);

    // A path: path.created goes through the path relay to task-generation, whose proposal comes
    // back to the path service as tasks.
    const call = httpCaller(pathUrl);
    const user = `user-${randomUUID()}`;
    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      201,
    );
    await pollGet(call, user, '/v1/study-tasks/next', (a) => a.status === 200, {
      timeoutMs: 60_000,
    });

    // Offsets are committed after each handling: the lag of task-generation's group on the task
    // stream comes down to 0, every partition reported.
    const generation = await until(
      async () => {
        const families = await scrape(generationUrl, operator);
        const lag = samplesOf(families, 'studypath_consumer_lag_messages', {
          group: 'task-generation',
          topic: 'studypath.task-events.v1',
        });
        const handled = sumOf(families, 'studypath_consumer_messages_total', {
          group: 'task-generation',
          topic: 'studypath.task-events.v1',
          outcome: 'handled',
        });
        return lag.length > 0 && lag.every((s) => s.value === 0) && handled >= 1 && families;
      },
      'task-generation to report its consumer lag on the task stream, down to 0',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expectContract(generation);
    const partitions = samplesOf(generation, 'studypath_consumer_lag_messages', {
      group: 'task-generation',
      topic: 'studypath.task-events.v1',
    }).map((s) => Number(s.labels.partition));
    expect(partitions.length).toBeGreaterThan(1);
    expect([...partitions].sort((a, b) => a - b)).toEqual(partitions.map((_, i) => i));
    expect(sumOf(generation, 'studypath_relay_leader', { schema: 'task_generation' })).toBe(1);
    expect(
      sumOf(generation, 'studypath_outbox_published_total', { schema: 'task_generation' }),
    ).toBeGreaterThanOrEqual(1);

    const path = await until(
      async () => {
        const families = await scrape(pathUrl, operator);
        const behind = samplesOf(families, 'studypath_outbox_lag_events', { schema: 'path' });
        return behind.length === 1 && behind[0]?.value === 0 && families;
      },
      'the path relay to have published everything',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expectContract(path);
    expect(sumOf(path, 'studypath_relay_leader', { schema: 'path' })).toBe(1);
    expect(
      sumOf(path, 'studypath_outbox_published_total', { schema: 'path' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sumOf(path, 'studypath_tasks_total', { outcome: 'created' })).toBeGreaterThanOrEqual(1);
    // The path service's own group, on the topics it reads, has its lag reported too.
    expect(
      samplesOf(path, 'studypath_consumer_lag_messages', {
        group: 'path-service',
        topic: 'studypath.generation-events.v1',
      }).length,
    ).toBeGreaterThan(1);
    expect(
      sumOf(path, 'studypath_consumer_messages_total', {
        group: 'path-service',
        topic: 'studypath.generation-events.v1',
        outcome: 'handled',
      }),
    ).toBeGreaterThanOrEqual(1);
    for (const url of [pathUrl, generationUrl]) {
      const text = await (await fetch(`${url}/metrics`, { headers: operator })).text();
      expect(promtoolProblems(text)).toEqual([]);
    }
    expect(
      sumOf(path, 'http_server_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/study-tasks/next',
      }),
    ).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
