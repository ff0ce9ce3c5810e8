import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  askHint,
  createTestDatabase,
  FakeOpenAi,
  hintTextOf,
  httpCaller,
  pollGet,
  readHintStream,
  runTypeScript,
  TEST_AUTH,
  testToken,
  until,
  type HttpAnswer,
  type HttpCall,
  type RunningChild,
  type SseOptions,
  type SseReading,
  type TestDatabase,
} from '@studypath/testing';
import { startNginx, type RunningNginx } from './gateway-nginx';

/*
 * Issue 15: the real nginx with deploy/gateway's configuration in front of the five services as
 * processes on Kafka, PostgreSQL and Redis. A web client talks to the gateway only: every /v1
 * prefix reaches the service that owns it, the hint stream comes through as Server-Sent Events,
 * and the gateway's own rules (request ids, body size, per-address rate limit, unknown routes)
 * answer in the API's error shape.
 */

const catalog = new BundledCatalog();
const WEB_ORIGIN = 'https://app.studypath.test';
const SERVICES = ['path', 'task-generation', 'evaluation', 'tutor-gateway', 'analytics'] as const;
type Service = (typeof SERVICES)[number];

/** Whole lines: the tutor lets an LLM's text out line by line. */
const REPLY = [
  'Name the value you must remember first.\n',
  'Then walk the input once, left to right.\n',
  'Ask what it means when the input is empty.\n',
];

/**
 * Follows a hint's stream; one opened before the tutor-gateway has read the request waits for it
 * a while and then answers 404: then it opens again, as a client does.
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

/** SIGTERM, and SIGKILL for a process that does not stop within 30 s. */
async function stopChild(child: RunningChild): Promise<void> {
  const stopped = child.stop('SIGTERM');
  const timer = setTimeout(() => void child.stop('SIGKILL'), 30_000);
  await stopped;
  clearTimeout(timer);
}

/** A GET from another client address (127.0.0.2), so its rate budget is not the journey's. */
function getFrom(
  localAddress: string,
  url: string,
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: response.headers['retry-after'],
          body,
        }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the API gateway (real nginx) in front of the five service processes', () => {
  let db: TestDatabase;
  const children = new Map<Service, RunningChild>();
  let gateway: RunningNginx | undefined;
  let call: HttpCall;
  let llm: FakeOpenAi | undefined;
  const namespace = `gw${randomUUID().slice(0, 8)}.`;

  const start = async (service: Service, env: NodeJS.ProcessEnv = {}): Promise<string> => {
    const child = runTypeScript(`apps/${service}-service/src/main.ts`, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_NAMESPACE: namespace,
      KAFKA_CLIENT_ID: `gateway-e2e-${service}`,
      AUTH_HS256_SECRET: TEST_AUTH.secret,
      AUTH_ISSUER: TEST_AUTH.issuer,
      // As deployed behind the gateway: the client's address comes from X-Forwarded-For, and
      // the services, not the gateway, answer CORS.
      TRUST_PROXY: 'loopback',
      CORS_ORIGINS: WEB_ORIGIN,
      ...env,
    });
    children.set(service, child);
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+) /, 120_000);
    if (!url) throw new Error(`the ${service} service printed no URL`);
    return new URL(url).host;
  };

  beforeAll(async () => {
    db = await createTestDatabase([]);
    // An LLM that writes slowly, so that the hint is still being written while its stream is read.
    llm = await FakeOpenAi.start({ reply: REPLY });
    llm.always({ kind: 'slow-chunks', ms: 300 });
    const llmEnv = { TUTOR_LLM_URL: llm.baseUrl, TUTOR_LLM_MODEL: 'fake-tutor' };
    const [path, , evaluation, tutor, analytics] = await Promise.all(
      SERVICES.map((service) => start(service, service === 'tutor-gateway' ? llmEnv : {})),
    );
    if (!path || !evaluation || !tutor || !analytics) throw new Error('a service has no address');
    gateway = await startNginx({
      PATH_SERVICE_ADDRESS: path,
      EVALUATION_SERVICE_ADDRESS: evaluation,
      TUTOR_GATEWAY_SERVICE_ADDRESS: tutor,
      ANALYTICS_SERVICE_ADDRESS: analytics,
      // Room for the journey's polling (at most ~10 requests a second), little for a flood.
      GATEWAY_RATE_LIMIT: '20r/s',
      GATEWAY_RATE_BURST: '40',
    });
    call = httpCaller(gateway.url);
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([...children.values()].map(stopChild));
    await llm?.stop();
    await db?.drop();
  }, 120_000);

  const base = (): string => {
    if (!gateway) throw new Error('no gateway');
    return gateway.url;
  };
  const logs = (): string =>
    [
      `--- nginx\n${gateway?.output().slice(-4000) ?? ''}`,
      ...[...children].map(([name, child]) => `--- ${name}\n${child.output().slice(-2000)}`),
    ].join('\n');

  async function evaluated(user: string, submissionId: string): Promise<Record<string, unknown>> {
    // The request itself waits up to 5 s for the result: no pause between requests.
    const done = (answer: HttpAnswer): boolean =>
      answer.status === 200 &&
      (answer.body.status === 'completed' || answer.body.status === 'failed');
    const got = await pollGet(call, user, `/v1/submissions/${submissionId}?wait=5000`, done, {
      timeoutMs: 90_000,
      intervalMs: 0,
    });
    return got.body;
  }

  it('walks the journey through the gateway only: path → next task → wrong and right submissions evaluated → a hint streamed to done → progress and dashboard', async () => {
    const user = `gw-${randomUUID()}`;
    try {
      const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
      expect(created.status).toBe(201);
      const pathId = created.body.id as string;

      const next = await pollGet(call, user, '/v1/study-tasks/next', (a) => a.status === 200, {
        timeoutMs: 120_000,
      });
      const task = next.body.task as { id: string; problem_id: string };
      const problem = catalog.all().find((p) => p.id === task.problem_id);
      if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

      const wrong = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
        language: 'python',
        code: `def ${problem.signature.python.name}(*args):\n    return None\n`,
      });
      expect(wrong.status).toBe(202);
      expect(await evaluated(user, wrong.body.submission_id as string)).toMatchObject({
        status: 'completed',
        evaluation: { status: 'failed', score: 0 },
      });
      await pollGet(call, user, `/v1/study-tasks/${task.id}`, (a) => {
        return a.body.status === 'in_progress' && a.body.attempts === 1;
      });

      const hint = await askHint(call, user, task.id);
      expect(hint.body).toMatchObject({
        level: 1,
        stream_url: `/v1/hints/${hint.body.hint_id}/stream`,
      });
      const hintId = hint.body.hint_id as string;
      // Followed through the gateway while the LLM writes: at the first chunk the hint is still
      // being written, so the chunks came through as they were sent, not held back to the end.
      let statusAtFirstChunk: unknown;
      const reading = await follow(base(), user, hintId, {
        onEvent: async (event) => {
          if (event.event !== 'chunk' || statusAtFirstChunk !== undefined) return;
          statusAtFirstChunk = (await call('GET', `/v1/hints/${hintId}`, user)).body.status;
        },
      });
      expect(statusAtFirstChunk).toBe('generating');
      expect(reading.ended).toBe('terminal');
      const done = reading.events.at(-1);
      expect(done?.event).toBe('done');
      expect(done?.data).toEqual({ content: REPLY.join(''), level: 1, source: 'llm' });
      expect(hintTextOf(reading.events)).toBe(REPLY.join(''));
      expect(await call('GET', `/v1/hints/${hintId}`, user)).toMatchObject({
        status: 200,
        body: { status: 'delivered', content: done?.data.content },
      });

      const right = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
        language: 'javascript',
        code: problem.solutions.javascript,
      });
      expect(right.status).toBe(202);
      expect(await evaluated(user, right.body.submission_id as string)).toMatchObject({
        status: 'completed',
        evaluation: { status: 'passed', score: 1 },
      });
      await pollGet(call, user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'completed');

      // Analytics, reached under the path's own prefix.
      type Module = { completed: number; attempts: number };
      const completedModule = (answer: HttpAnswer): Module | undefined =>
        Object.values((answer.body.modules ?? {}) as Record<string, Module>).find(
          (m) => m.completed === 1,
        );
      const progress = await pollGet(
        call,
        user,
        `/v1/study-paths/${pathId}/progress`,
        (a) => a.status === 200 && completedModule(a) !== undefined,
      );
      expect(completedModule(progress)).toMatchObject({ completed: 1, attempts: 2 });
      const timeline = await call('GET', `/v1/study-paths/${pathId}/progress/timeline`, user);
      expect(timeline.status).toBe(200);
      const dashboard = await pollGet(
        call,
        user,
        '/v1/dashboard',
        (a) => a.status === 200 && a.body.tasks_completed_this_week === 1,
      );
      expect(dashboard.body.paths).toEqual([
        expect.objectContaining({ path_id: pathId, tasks_completed: 1 }),
      ]);
      const percentiles = await call('GET', `/v1/study-paths/${pathId}/percentiles`, user);
      expect(percentiles.status).toBe(200);
      const reviews = await call('GET', `/v1/reviews?path_id=${pathId}`, user);
      expect(reviews.status).toBe(200);
    } catch (error) {
      process.stdout.write(`${logs()}\n`);
      throw error;
    }
  }, 300_000);

  it('passes a client X-Request-Id upstream and back, makes one when it is missing or malformed', async () => {
    const token = testToken(`gw-${randomUUID()}`);
    const given = `web-${randomUUID()}`;
    const answer = await fetch(`${base()}/v1/dashboard`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': given },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe(given);
    // The access log (one JSON line per request, written once the answer is out) names the
    // upstream that got it.
    const line = await until(
      () =>
        gateway
          ?.output()
          .split('\n')
          .find((l) => l.includes(`"request_id":"${given}"`)),
      'the access log line of the request',
      { timeoutMs: 10_000 },
    );
    expect(JSON.parse(line)).toMatchObject({
      request_id: given,
      uri: '/v1/dashboard',
      status: 200,
      upstream: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });

    for (const header of [{}, { 'x-request-id': 'not an id\twith spaces' }]) {
      const made = await fetch(`${base()}/v1/dashboard`, {
        headers: { authorization: `Bearer ${token}`, ...header },
      });
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    }
    // The gateway's own answers carry one too.
    expect((await fetch(`${base()}/health`)).headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a body over 256 KB itself (413, the API error shape); a smaller one with code over 64 KB gets the path service’s own 413', async () => {
    const user = `gw-${randomUUID()}`;
    const tooBig = await call('POST', `/v1/study-tasks/${randomUUID()}/submit`, user, {
      language: 'python',
      code: 'x'.repeat(300 * 1024),
    });
    expect(tooBig).toEqual({
      status: 413,
      body: {
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'the request body is too large',
      },
    });

    const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    const next = await pollGet(call, user, '/v1/study-tasks/next', (a) => a.status === 200, {
      timeoutMs: 120_000,
    });
    const task = next.body.task as { id: string };
    const overCode = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'python',
      code: 'x'.repeat(100 * 1024),
    });
    expect(overCode).toMatchObject({
      status: 413,
      body: { statusCode: 413, message: `code is ${100 * 1024} bytes; the limit is 65536` },
    });
  }, 180_000);

  it('answers 429 in the API error shape, with Retry-After, to one address flooding it while another is served', async () => {
    const flood = await Promise.all(
      Array.from({ length: 120 }, () => getFrom('127.0.0.2', `${base()}/v1/dashboard`)),
    );
    const limited = flood.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    // The rest reached the analytics service, which refused them for lack of a token.
    expect(flood.filter((answer) => answer.status !== 429).every((a) => a.status === 401)).toBe(
      true,
    );
    expect(limited[0]?.retryAfter).toBe('1');
    expect(JSON.parse(limited[0]?.body ?? '')).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'too many requests from your address: try again in 1 s',
      details: { limit: 'gateway', retry_after_seconds: 1 },
    });
    // The health probe spends nothing, and another address is not limited by the flood.
    expect((await fetch(`${base()}/health`)).status).toBe(200);
    const other = await call('GET', '/v1/dashboard', `gw-${randomUUID()}`);
    expect(other.status).toBe(200);
  });

  it('answers an unknown /v1 prefix 404 in the API error shape, and its own /health', async () => {
    const unknown = await call('GET', '/v1/nothing-here', `gw-${randomUUID()}`);
    expect(unknown).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'no such route' },
    });
    expect(await call('GET', '/v1/study-pathsX', `gw-${randomUUID()}`)).toMatchObject({
      status: 404,
    });
    expect(await call('GET', '/health', null)).toEqual({ status: 200, body: { status: 'up' } });
  });

  it('leaves CORS to the services: a preflight through the gateway gets their answer, once', async () => {
    const preflight = await fetch(`${base()}/v1/study-paths`, {
      method: 'OPTIONS',
      headers: {
        origin: WEB_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    const other = await fetch(`${base()}/v1/dashboard`, {
      headers: { origin: 'https://elsewhere.test' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
