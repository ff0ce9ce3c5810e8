import { loadConfig } from '../config/load-config';
import {
  DependencyWaiter,
  isDependencyFailure,
  processDependencies,
  StartAborted,
  type Dependency,
} from './dependencies';

/** A dependency whose answers the test decides. */
function fake(name: string, answers: () => boolean): Dependency & { checks: number } {
  const dependency = {
    name,
    checks: 0,
    async check(): Promise<void> {
      dependency.checks += 1;
      if (!answers())
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
  };
  return dependency;
}

function recorder(): { lines: string[]; log(m: string): void; warn(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    log: (message: string) => lines.push(`LOG ${message}`),
    warn: (message: string) => lines.push(`WARN ${message}`),
  };
}

describe('DependencyWaiter', () => {
  it('checks with backoff until every dependency answers, saying once what it waits for and once when it answers', async () => {
    let databaseUp = false;
    let brokerUp = false;
    const database = fake('PostgreSQL at db:5432/app', () => databaseUp);
    const broker = fake('Kafka at kafka:9092', () => brokerUp);
    const logger = recorder();
    const waiter = new DependencyWaiter([database, broker], logger, {
      initialDelayMs: 5,
      maxDelayMs: 20,
    });

    const waiting = waiter.waitUntilUp();
    await new Promise((resolve) => setTimeout(resolve, 150));
    databaseUp = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
    brokerUp = true;
    await waiting;

    expect(broker.checks).toBeGreaterThan(5);
    expect(logger.lines).toEqual([
      'WARN waiting for PostgreSQL at db:5432/app (connect ECONNREFUSED); checking again with backoff, at most 0.02 s apart',
      'WARN waiting for Kafka at kafka:9092 (connect ECONNREFUSED); checking again with backoff, at most 0.02 s apart',
      expect.stringMatching(/^LOG PostgreSQL at db:5432\/app answers \(after \d+ s of waiting\)$/),
      expect.stringMatching(/^LOG Kafka at kafka:9092 answers \(after \d+ s of waiting\)$/),
    ]);
  });

  it('says nothing when every dependency answers at once', async () => {
    const logger = recorder();
    await new DependencyWaiter([fake('PostgreSQL', () => true)], logger).waitUntilUp();

    expect(logger.lines).toEqual([]);
  });

  it('says again that it waits when a dependency that answered goes away', async () => {
    let up = true;
    const logger = recorder();
    const waiter = new DependencyWaiter([fake('Kafka', () => up)], logger);

    expect(await waiter.checkAll()).toBe(true);
    up = false;
    expect(await waiter.checkAll()).toBe(false);
    expect(await waiter.checkAll()).toBe(false);

    expect(logger.lines).toEqual([expect.stringMatching(/^WARN waiting for Kafka/)]);
  });

  it('stops waiting when its signal aborts', async () => {
    const controller = new AbortController();
    const waiter = new DependencyWaiter([fake('Kafka', () => false)], recorder(), {
      initialDelayMs: 10_000,
    });

    const waiting = waiter.waitUntilUp(controller.signal);
    setTimeout(() => controller.abort(), 20);

    await expect(waiting).rejects.toBeInstanceOf(StartAborted);
  });
});

describe('processDependencies', () => {
  it('waits for the PostgreSQL and the Kafka a service process is given, never naming a password', () => {
    const config = loadConfig({
      role: 'service',
      service: 'path',
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: 'postgres://app:s3cret@db.internal/studypath',
        REDIS_URL: 'redis://cache:6379',
        KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
        AUTH_HS256_SECRET: 'a-development-secret-of-32-chars!',
        AUTH_ISSUER: 'me',
      },
    });

    expect(processDependencies(config).map((d) => d.name)).toEqual([
      'PostgreSQL at db.internal:5432/studypath',
      'Kafka at kafka-1:9092,kafka-2:9092',
    ]);
  });

  it('waits for nothing the embedded process runs itself', () => {
    expect(processDependencies(loadConfig({ role: 'embedded', env: {} }))).toEqual([]);
  });
});

describe('isDependencyFailure', () => {
  const kafkaError = (name: string): Error => Object.assign(new Error('x'), { name });

  it.each([
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    [
      'a name that does not resolve',
      Object.assign(new Error('getaddrinfo'), { code: 'EAI_AGAIN' }),
    ],
    ['any kafkajs error', kafkaError('KafkaJSNonRetriableError')],
    [
      'a kafkajs error inside another',
      new Error('start failed', { cause: kafkaError('KafkaJSConnectionError') }),
    ],
    [
      'PostgreSQL shutting down (57P01)',
      Object.assign(new Error('terminating'), { code: '57P01' }),
    ],
    ['PostgreSQL starting up (57P03)', Object.assign(new Error('starting'), { code: '57P03' })],
    ['a connection exception (08006)', Object.assign(new Error('failure'), { code: '08006' })],
    ['too many connections (53300)', Object.assign(new Error('too many'), { code: '53300' })],
    ['a connection that ended', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    [
      'several attempts that were all refused',
      new AggregateError([Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })]),
    ],
  ])('waits out %s', (_case, error) => {
    expect(isDependencyFailure(error)).toBe(true);
  });

  it.each([
    ['a programming error', new TypeError('x is not a function')],
    ['a failed migration', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a refused sandbox', new Error('The code sandbox does not isolate submissions')],
    ['no error at all', undefined],
  ])('does not wait out %s', (_case, error) => {
    expect(isDependencyFailure(error)).toBe(false);
  });
});
