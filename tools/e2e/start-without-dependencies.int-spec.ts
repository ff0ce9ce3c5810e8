import {
  createTestDatabase,
  freeTcpPort,
  runTypeScript,
  TcpProxy,
  type RunningChild,
  type TestDatabase,
} from '@studypath/testing';

const ENTRY = 'apps/path-service/src/main.ts';

function hostAndPort(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
}

/** The database URL with its server replaced by `address` (host:port). */
function through(url: string, address: string): string {
  const parsed = new URL(url);
  parsed.host = address;
  return parsed.toString();
}

async function healthStatus(port: number): Promise<number | 'refused'> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status;
  } catch {
    return 'refused';
  }
}

async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const count = (text: string, pattern: RegExp): number =>
  (text.match(new RegExp(pattern.source, 'g')) ?? []).length;

/** Lines at WARN or ERROR level (Nest's console format, or JSON). */
const warningsAndErrors = (text: string): string[] =>
  text.split('\n').filter((line) => /\b(WARN|ERROR)\b|"level":"(warn|error)"/.test(line));

describe('a service process whose PostgreSQL and Kafka are away', () => {
  let db: TestDatabase;
  let postgres: TcpProxy;
  let kafka: TcpProxy;
  let port: number;
  let child: RunningChild | undefined;

  const start = (): RunningChild =>
    runTypeScript(ENTRY, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'log',
      DATABASE_URL: through(db.url, postgres.address),
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_BROKERS: kafka.address,
      KAFKA_NAMESPACE: `t${Math.random().toString(36).slice(2, 10)}.`,
      AUTH_HS256_SECRET: 'start-without-dependencies-secret-0123456789',
      AUTH_ISSUER: 'studypath-e2e',
    });

  beforeEach(async () => {
    db = await createTestDatabase([]);
    const { hostname, port: databasePort } = new URL(db.url);
    postgres = await TcpProxy.to({ host: hostname, port: Number(databasePort || 5432) });
    const [broker] = (process.env.KAFKA_BROKERS ?? '').split(',');
    kafka = await TcpProxy.to(hostAndPort(broker ?? ''));
    port = await freeTcpPort();
  });

  afterEach(async () => {
    await child?.stop('SIGKILL');
    child = undefined;
    await Promise.all([postgres.close(), kafka.close()]);
    await db.drop();
  });

  it('listens at once (503), says once what it waits for, becomes ready when they return without exiting, and stops cleanly', async () => {
    child = start();
    const running = child;
    await running.waitFor(/waiting for PostgreSQL at 127\.0\.0\.1:\d+\/\S+ \(/, 30_000);
    await running.waitFor(/waiting for Kafka at 127\.0\.0\.1:\d+ \(/);
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    expect(await healthStatus(port)).toBe(503);
    const api = await fetch(`http://127.0.0.1:${port}/v1/study-tasks/next`);
    expect([api.status, api.headers.get('retry-after')]).toEqual([503, '5']);

    // Several rounds of checks later, still one line each.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(count(running.output(), /waiting for PostgreSQL/)).toBe(1);
    expect(count(running.output(), /waiting for Kafka/)).toBe(1);

    await postgres.open();
    await running.waitFor(/PostgreSQL at \S+ answers/, 30_000);
    expect(await healthStatus(port)).toBe(503);

    await kafka.open();
    await running.waitFor(/listening on http:\/\/\S+ /, 60_000);
    await eventually('/health says 200', async () => (await healthStatus(port)) === 200, 30_000);
    expect(running.output()).not.toMatch(/failed to start/);

    const before = running.output().length;
    const exit = await running.stop('SIGTERM');
    const shutdown = running.output().slice(before);
    expect({ exit, problems: warningsAndErrors(shutdown) }).toEqual({
      exit: { code: 0, signal: null },
      problems: [],
    });
  }, 180_000);

  it('rides out PostgreSQL going away while it runs: /health says 503, its pools reconnect once it is back, and it keeps running', async () => {
    await Promise.all([postgres.open(), kafka.open()]);
    child = start();
    const running = child;
    await running.waitFor(/listening on http:\/\/\S+ /, 60_000);
    await eventually('/health says 200', async () => (await healthStatus(port)) === 200, 30_000);

    await postgres.close();
    await eventually('/health says 503', async () => (await healthStatus(port)) === 503, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await postgres.open();
    await eventually(
      '/health says 200 again',
      async () => (await healthStatus(port)) === 200,
      30_000,
    );

    expect(running.output()).toMatch(/a pooled connection failed and was dropped/);
    expect(await running.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('exits 0 on SIGTERM while it still waits', async () => {
    child = start();
    const running = child;
    await running.waitFor(/waiting for PostgreSQL/, 30_000);

    const exit = await running.stop('SIGTERM');

    expect(exit).toEqual({ code: 0, signal: null });
    expect(running.output()).toMatch(/stopped before it was ready/);
    expect(warningsAndErrors(running.output().split(/SIGTERM received/)[1] ?? '')).toEqual([]);
  }, 60_000);
});
