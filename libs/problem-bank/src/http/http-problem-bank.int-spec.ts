import { randomUUID } from 'node:crypto';
import { Cache, MemoryCache, RedisCache } from '@studypath/platform';
import { BundledCatalog } from '../bundled-catalog';
import { FakeProblemBank } from './fake-problem-bank.server';
import { HttpProblemBank, type HttpProblemBankOptions } from './http-problem-bank';
import { ProblemBankError } from './problem-bank.error';

/** Small timeouts and backoffs, so that every failure path runs in well under a second or two. */
const FAST = {
  timeoutMs: 300,
  retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1500 },
  circuitBreaker: { failureThreshold: 3, halfOpenAfterMs: 300 },
} satisfies Partial<HttpProblemBankOptions>;

const catalog = new BundledCatalog();
const [first, second, third] = catalog
  .all()
  .map((problem) => problem.id)
  .sort() as [string, string, string];

/** Captures what the bank logs, instead of printing it. */
class Logs {
  readonly lines: string[] = [];
  log = (message: unknown): void => void this.lines.push(`log: ${String(message)}`);
  warn = (message: unknown): void => void this.lines.push(`warn: ${String(message)}`);
}

/** A cache whose every operation fails: synchronously, or with a rejected promise. */
class BrokenCache extends Cache {
  calls = 0;
  get<T>(): Promise<T | undefined> {
    this.calls++;
    throw new Error('cache is down (sync)');
  }
  async set(): Promise<void> {
    this.calls++;
    throw new Error('cache is down (async)');
  }
  async delete(): Promise<void> {
    throw new Error('cache is down');
  }
}

/** A cache that never answers, like Redis while it reconnects with an offline queue. */
class HangingCache extends Cache {
  get<T>(): Promise<T | undefined> {
    return new Promise(() => undefined);
  }
  set(): Promise<void> {
    return new Promise(() => undefined);
  }
  delete(): Promise<void> {
    return new Promise(() => undefined);
  }
}

async function failure(promise: Promise<unknown>): Promise<ProblemBankError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemBankError) return error;
    throw error;
  }
  throw new Error('expected a ProblemBankError');
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('HttpProblemBank against a real HTTP server', () => {
  let server: FakeProblemBank;
  let logs: Logs;

  const bankWith = (options: Partial<HttpProblemBankOptions> = {}): HttpProblemBank =>
    new HttpProblemBank({
      baseUrl: `${server.url}/`,
      apiKey: server.apiKey,
      cache: new MemoryCache(),
      logger: logs,
      ...FAST,
      ...options,
    });

  beforeAll(async () => {
    server = await FakeProblemBank.start();
  });

  beforeEach(() => {
    server.reset();
    logs = new Logs();
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('happy paths', () => {
    it('lists a module by difficulty with the API key, as the catalog does', async () => {
      const bank = bankWith();

      const listed = await bank.getProblemsByModule('graphs', [2, 4], 3);

      expect(listed).toEqual(await catalog.getProblemsByModule('graphs', [2, 4], 3));
      expect(server.requests).toEqual([
        {
          method: 'GET',
          path: '/problems',
          query: { module: 'graphs', min_difficulty: '2', max_difficulty: '4', limit: '3' },
          authorization: `Bearer ${server.apiKey}`,
        },
      ]);
    });

    it('serves metadata and hidden tests, and undefined for an unknown problem', async () => {
      const bank = bankWith();

      expect(await bank.getProblemMetadata(first)).toEqual(await catalog.getProblemMetadata(first));
      expect(await bank.getHiddenTests(first)).toEqual(await catalog.getHiddenTests(first));
      expect(await bank.getProblemMetadata('no-such-problem')).toBeUndefined();
      expect(await bank.getHiddenTests('no-such-problem')).toBeUndefined();
      expect(server.requests.map((r) => r.path)).toEqual([
        `/problems/${first}`,
        `/problems/${first}/hidden-tests`,
        '/problems/no-such-problem',
        '/problems/no-such-problem/hidden-tests',
      ]);
    });

    it('escapes ids in the path', async () => {
      const bank = bankWith();

      expect(await bank.getProblemMetadata('../admin?x=1')).toBeUndefined();
      expect(server.requests[0]?.path).toBe('/problems/..%2Fadmin%3Fx%3D1');
    });
  });

  describe('timeouts', () => {
    it('gives up on a slow answer after the timeout, once per attempt', async () => {
      const bank = bankWith({ retry: { ...FAST.retry, retries: 1 } });
      server.always({ kind: 'delay', ms: 1000 });

      const { result: error, ms } = await timed(() => failure(bank.getProblemMetadata(first)));

      expect(error.reason).toBe('timeout');
      expect(error.message).toBe(`problem bank: GET /problems/${first} timed out after 300 ms`);
      expect(error.status).toBe(503);
      expect(server.requests).toHaveLength(2);
      expect(ms).toBeGreaterThanOrEqual(590);
      expect(ms).toBeLessThan(900);
    });

    it('retries a timeout and takes the next, quick answer', async () => {
      const bank = bankWith();
      server.next({ kind: 'delay', ms: 1000 });

      expect(await bank.getProblemMetadata(first)).toMatchObject({ id: first });
      expect(server.requests).toHaveLength(2);
    });
  });

  describe('retries', () => {
    it('retries 500s with backoff, then succeeds', async () => {
      const bank = bankWith();
      server.next({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });

      expect(await bank.getHiddenTests(second)).toEqual(await catalog.getHiddenTests(second));
      expect(server.requests).toHaveLength(3);
    });

    it('retries dropped connections, then succeeds', async () => {
      const bank = bankWith();
      server.next({ kind: 'drop' }, { kind: 'drop' });

      expect(await bank.getProblemsByModule('heaps', [1, 5], 2)).toHaveLength(2);
      expect(server.requests).toHaveLength(3);
    });

    it('gives up after its retries with the last failure', async () => {
      const bank = bankWith();
      server.always({ kind: 'drop' });

      const error = await failure(bank.getProblemMetadata(first));

      expect(error.reason).toBe('network');
      expect(error.message).toMatch(new RegExp(`^problem bank: GET /problems/${first} failed: `));
      expect(server.requests).toHaveLength(3);
    });

    it('does not retry a 400, a 401 or a 404', async () => {
      const bank = bankWith();
      server.next({ kind: 'status', status: 400 });

      const rejected = await failure(bank.getProblemMetadata(first));
      expect(rejected).toMatchObject({ reason: 'rejected', httpStatus: 400, status: 502 });
      expect(server.requests).toHaveLength(1);

      const wrongKey = bankWith({ apiKey: 'stolen-key' });
      const refused = await failure(wrongKey.getProblemMetadata(first));
      expect(refused.message).toBe(
        `problem bank: GET /problems/${first} answered 401: check PROBLEM_BANK_API_KEY`,
      );
      expect(server.requests).toHaveLength(2);

      expect(await bank.getProblemMetadata('no-such-problem')).toBeUndefined();
      expect(server.requests).toHaveLength(3);
    });
  });

  describe('429 Too Many Requests', () => {
    it('waits for Retry-After in seconds before trying again', async () => {
      const bank = bankWith();
      server.next({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });

      const { result, ms } = await timed(() => bank.getProblemMetadata(first));

      expect(result).toMatchObject({ id: first });
      expect(server.requests).toHaveLength(2);
      expect(ms).toBeGreaterThanOrEqual(990);
    });

    it('waits for Retry-After as an HTTP date', async () => {
      const bank = bankWith();
      // HTTP dates have whole seconds: this one is between 0.5 and 1.5 s away.
      const at = new Date(Date.now() + 1500).toUTCString();
      server.next({ kind: 'status', status: 429, headers: { 'retry-after': at } });

      const { result, ms } = await timed(() => bank.getProblemMetadata(first));

      expect(result).toMatchObject({ id: first });
      expect(server.requests).toHaveLength(2);
      expect(ms).toBeGreaterThanOrEqual(400);
    });

    it('fails at once when Retry-After is beyond the longest wait it accepts', async () => {
      const bank = bankWith();
      server.next({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });

      const { result: error, ms } = await timed(() => failure(bank.getProblemMetadata(first)));

      expect(error).toMatchObject({ reason: 'rate-limited', retryAfterMs: 30_000, status: 503 });
      expect(error.details).toEqual({ reason: 'rate-limited', retry_after_seconds: 30 });
      expect(server.requests).toHaveLength(1);
      expect(ms).toBeLessThan(200);
    });

    it('does not count 429s against the circuit', async () => {
      const bank = bankWith({ retry: { ...FAST.retry, retries: 0 } });
      server.always({ kind: 'status', status: 429 });

      for (let i = 0; i < 4; i++) {
        expect((await failure(bank.getProblemMetadata(first))).reason).toBe('rate-limited');
      }
      expect(await bank.checkHealth()).toMatchObject({ up: true, details: { circuit: 'closed' } });
    });
  });

  describe('circuit breaker', () => {
    it('opens after repeated failures, fails fast, then recovers after the cool-down', async () => {
      const bank = bankWith({ retry: { ...FAST.retry, retries: 0 } });
      server.always({ kind: 'status', status: 500 });

      for (let i = 0; i < 3; i++) {
        expect((await failure(bank.getProblemMetadata(first))).reason).toBe('server-error');
      }
      expect(server.requests).toHaveLength(3);

      const { result: open, ms } = await timed(() => failure(bank.getProblemMetadata(second)));
      expect(open.reason).toBe('circuit-open');
      expect(open.status).toBe(503);
      expect(open.message).toMatch(
        /^problem bank: unavailable, not called: the circuit breaker is open after 3 consecutive failures \(last: GET \/problems\/.+ answered 500\); calls fail fast for another \d+ ms$/,
      );
      expect(ms).toBeLessThan(50);
      expect(server.requests).toHaveLength(3);
      expect(await bank.checkHealth()).toMatchObject({
        up: false,
        details: { kind: 'http', circuit: 'open', consecutive_failures: 3 },
      });
      expect(logs.lines).toContainEqual(expect.stringMatching(/^warn: circuit opened/) as unknown);

      server.heal();
      await sleep(350);
      expect(await bank.getProblemMetadata(second)).toMatchObject({ id: second });
      expect(await bank.checkHealth()).toMatchObject({ up: true, details: { circuit: 'closed' } });
      expect(logs.lines).toContainEqual(expect.stringMatching(/^log: circuit closed/) as unknown);
    });

    it('opens again when the trial call after the cool-down fails', async () => {
      const bank = bankWith({ retry: { ...FAST.retry, retries: 0 } });
      server.always({ kind: 'drop' });
      for (let i = 0; i < 3; i++) await failure(bank.getProblemMetadata(first));

      await sleep(350);
      expect((await failure(bank.getProblemMetadata(first))).reason).toBe('network');
      expect((await failure(bank.getProblemMetadata(first))).reason).toBe('circuit-open');
      expect(server.requests).toHaveLength(4);
    });

    it('stops retrying once the circuit opens mid-way', async () => {
      const bank = bankWith({ retry: { ...FAST.retry, retries: 5 } });
      server.always({ kind: 'status', status: 502 });

      expect((await failure(bank.getProblemMetadata(first))).reason).toBe('circuit-open');
      expect(server.requests).toHaveLength(3);
    });
  });

  describe('caching', () => {
    it('answers a repeated question from the cache, without the network', async () => {
      const bank = bankWith();

      await bank.getProblemMetadata(first);
      await bank.getProblemsByModule('trees', [1, 5], 50);
      await bank.getProblemMetadata('no-such-problem');
      expect(server.requests).toHaveLength(3);

      expect(await bank.getProblemMetadata(first)).toEqual(await catalog.getProblemMetadata(first));
      expect(await bank.getProblemsByModule('trees', [1, 5], 50)).toHaveLength(
        (await catalog.getProblemsByModule('trees', [1, 5], 50)).length,
      );
      expect(await bank.getProblemMetadata('no-such-problem')).toBeUndefined();
      // A listing carries metadata: each listed problem is cached on its own too.
      const [tree] = await catalog.getProblemsByModule('trees', [3, 3], 1);
      expect(await bank.getProblemMetadata(tree?.id ?? '')).toMatchObject({ module: 'trees' });
      expect(server.requests).toHaveLength(3);
    });

    it('caches hidden tests only as long as their TTL says', async () => {
      const bank = bankWith({ ttl: { hiddenTestsMs: 100 } });

      await bank.getHiddenTests(first);
      await bank.getHiddenTests(first);
      expect(server.requests).toHaveLength(1);
      await sleep(150);
      await bank.getHiddenTests(first);
      expect(server.requests).toHaveLength(2);
    });

    it('shares one request among concurrent callers of the same problem', async () => {
      const bank = bankWith();
      server.next({ kind: 'delay', ms: 50 });

      const answers = await Promise.all([1, 2, 3].map(() => bank.getProblemMetadata(first)));

      expect(answers.map((a) => a?.id)).toEqual([first, first, first]);
      expect(server.requests).toHaveLength(1);
    });

    it('shares answers between replicas through Redis', async () => {
      const prefix = `studypath:test:${randomUUID()}:`;
      const redisA = RedisCache.connect(process.env.REDIS_URL as string, prefix);
      const redisB = RedisCache.connect(process.env.REDIS_URL as string, prefix);
      try {
        const replicaA = bankWith({ cache: redisA });
        const replicaB = bankWith({ cache: redisB });

        expect(await replicaA.getProblemMetadata(third)).toMatchObject({ id: third });
        expect(await replicaA.getProblemsByModule('dynamic-programming', [1, 2], 5)).not.toEqual(
          [],
        );
        expect(server.requests).toHaveLength(2);

        expect(await replicaB.getProblemMetadata(third)).toEqual(
          await catalog.getProblemMetadata(third),
        );
        expect(await replicaB.getProblemsByModule('dynamic-programming', [1, 2], 5)).toEqual(
          await catalog.getProblemsByModule('dynamic-programming', [1, 2], 5),
        );
        expect(server.requests).toHaveLength(2);
      } finally {
        await Promise.all([redisA.close(), redisB.close()]);
      }
    });

    it('still answers when the cache throws, and says so once', async () => {
      const cache = new BrokenCache();
      const bank = bankWith({ cache });

      expect(await bank.getProblemMetadata(first)).toMatchObject({ id: first });
      expect(await bank.getProblemsByModule('graphs', [1, 5], 2)).toHaveLength(2);
      expect(await bank.getHiddenTests(first)).toMatchObject({ problem_id: first });
      expect(cache.calls).toBeGreaterThan(0);
      expect(server.requests).toHaveLength(3);
      expect(logs.lines.filter((line) => line.startsWith('warn:'))).toEqual([
        'warn: the cache failed (cache is down (sync)): asking the problem bank until it answers again',
      ]);
      expect(await bank.checkHealth()).toMatchObject({ up: true, details: { cache: 'failing' } });
    });

    it('does not wait for a cache that hangs', async () => {
      const bank = bankWith({ cache: new HangingCache(), cacheTimeoutMs: 30 });

      const { result, ms } = await timed(() => bank.getProblemMetadata(first));

      expect(result).toMatchObject({ id: first });
      expect(ms).toBeLessThan(250);
    });
  });

  describe('prefetch', () => {
    it('warms the cache for the next problems of a path', async () => {
      const bank = bankWith();

      const report = await bank.prefetch([first, second, 'no-such-problem', first]);

      expect(report).toEqual({
        warmed: expect.arrayContaining([first, second]) as unknown,
        cached: [],
        missing: ['no-such-problem'],
        failed: [],
      });
      expect(server.requests).toHaveLength(3);

      expect(await bank.getProblemMetadata(first)).toMatchObject({ id: first });
      expect(await bank.getProblemMetadata(second)).toMatchObject({ id: second });
      expect(await bank.prefetch([first, third, 'no-such-problem'])).toEqual({
        warmed: [third],
        cached: [first],
        missing: ['no-such-problem'],
        failed: [],
      });
      expect(server.requests).toHaveLength(4);
    });

    it('never rejects: what it cannot fetch is left for later', async () => {
      const bank = bankWith({ retry: { ...FAST.retry, retries: 0 } });
      server.always({ kind: 'status', status: 500 });

      const report = await bank.prefetch([first, second]);

      expect(report).toEqual({
        warmed: [],
        cached: [],
        missing: [],
        failed: expect.arrayContaining([first, second]) as unknown,
      });
      server.heal();
      expect(await bank.getProblemMetadata(first)).toMatchObject({ id: first });
    });
  });

  describe('invalid answers', () => {
    it('reports a body that is not JSON, without retrying', async () => {
      const bank = bankWith();
      server.next({ kind: 'body', body: '<html>gateway</html>' });

      const error = await failure(bank.getProblemMetadata(first));

      expect(error).toMatchObject({ reason: 'invalid-response', status: 502 });
      expect(error.message).toBe(
        `problem bank: GET /problems/${first} answered a body that is not JSON`,
      );
      expect(server.requests).toHaveLength(1);
    });

    it('reports JSON of the wrong shape, naming what is wrong', async () => {
      const bank = bankWith();
      server.next(
        { kind: 'body', body: JSON.stringify({ id: first, title: 'no module' }) },
        { kind: 'body', body: JSON.stringify([]) },
        { kind: 'body', body: JSON.stringify({ problem_id: first, tests: 'all of them' }) },
      );

      expect((await failure(bank.getProblemMetadata(first))).message).toBe(
        `problem bank: GET /problems/${first} answered an invalid body: "module" is missing or not valid`,
      );
      expect((await failure(bank.getProblemsByModule('graphs', [1, 5], 3))).message).toBe(
        'problem bank: GET /problems?module=graphs&min_difficulty=1&max_difficulty=5&limit=3 answered an invalid body: the body has no "problems" array',
      );
      expect((await failure(bank.getHiddenTests(first))).reason).toBe('invalid-response');
    });

    it('reports an answer about another problem', async () => {
      const bank = bankWith();
      const other = await catalog.getProblemMetadata(second);
      server.next({ kind: 'body', body: JSON.stringify(other) });

      expect((await failure(bank.getProblemMetadata(first))).message).toBe(
        `problem bank: GET /problems/${first} answered problem "${second}"`,
      );
    });
  });
});
