import { SERVICE_NAMES, type ServiceName } from '@studypath/contracts';
import { createTestDatabase, runTypeScript, until, type TestDatabase } from '@studypath/testing';

const entry = (service: ServiceName): string => `apps/${service}-service/src/main.ts`;

function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME } = process.env;
  return { PATH, HOME, NODE_ENV: 'test', PORT: '0' };
}

/** Token verification with a shared secret: a service process must be given some (NODE_ENV=test). */
const auth = {
  AUTH_HS256_SECRET: 'service-processes-test-secret-0123456789',
  AUTH_ISSUER: 'studypath-e2e',
};
/** The token that shows operators the detailed /health report. */
const HEALTH_DETAILS_TOKEN = 'service-processes-operator-token-0123456789';

describe('service processes', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase([]);
  });

  afterAll(async () => {
    await db.drop();
  });

  it.each(SERVICE_NAMES)(
    'the %s service starts on PostgreSQL, Redis and Kafka, says up on /health and reports each to operators, and stops on SIGTERM with exit 0',
    async (service) => {
      const child = runTypeScript(entry(service), {
        ...baseEnv(),
        ...auth,
        HEALTH_DETAILS_TOKEN,
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      });
      try {
        const [, url] = await child.waitFor(/listening on (http:\/\/\S+) /, 60_000);
        const publicAnswer = await fetch(`${url}/health`);
        expect(publicAnswer.status).toBe(200);
        expect(await publicAnswer.json()).toEqual({ status: 'up' });

        // The relay starts as a standby and takes its schema's leader lock a moment later; only
        // the leader reports how far behind the outbox is.
        const schema = service.replace(/-/g, '_');
        type Health = { status: string; details: Record<string, { status: string }> };
        let response: Response | undefined;
        let body: Health | undefined;
        await until(
          async () => {
            response = await fetch(`${url}/health`, {
              headers: { authorization: `Bearer ${HEALTH_DETAILS_TOKEN}` },
            });
            body = (await response.json()) as Health;
            return (
              body.details[`outbox:${schema}`]?.status !== undefined &&
              'events_behind' in (body.details[`outbox:${schema}`] ?? {})
            );
          },
          () => `the ${service} relay to lead its outbox; /health said ${JSON.stringify(body)}`,
          { timeoutMs: 15_000, intervalMs: 100 },
        );
        if (!response || !body) throw new Error('no /health answer');

        expect(response.status).toBe(200);
        expect(body.status).toBe('ok');
        expect(body.details[`database:${schema}`]?.status).toBe('up');
        expect(body.details[`outbox:${schema}`]).toMatchObject({ status: 'up', events_behind: 0 });
        expect(body.details.cache).toMatchObject({ status: 'up', kind: 'redis' });
        expect(body.details.bus).toMatchObject({ status: 'up', transport: 'kafka' });
      } finally {
        expect(await child.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      }
    },
    90_000,
  );

  it.each([
    ['KAFKA_BROKERS', 'not a host'],
    ['DATABASE_URL', 'foo'],
    ['REDIS_URL', 'http://cache'],
    ['PORT', 'eighty'],
    ['AUTH_HS256_SECRET', 'too-short'],
    ['AUTH_CLOCK_SKEW_SECONDS', '301'],
  ])(
    'exits non-zero when %s=%j, naming the variable',
    async (name, value) => {
      const child = runTypeScript(entry('path'), {
        ...baseEnv(),
        ...auth,
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        [name]: value,
      });
      const exit = await child.exited;

      expect(exit.code).toBe(1);
      expect(child.output()).toMatch(new RegExp(`Invalid configuration:\\n\\s+- ${name}`));
    },
    60_000,
  );

  it('refuses to run a service on the in-process bus', async () => {
    const child = runTypeScript(entry('evaluation'), {
      ...baseEnv(),
      ...auth,
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
    });
    const exit = await child.exited;

    expect(exit.code).toBe(1);
    expect(child.output()).toMatch(/KAFKA_BROKERS is required .*in-process bus/);
  }, 60_000);

  it('refuses to run a service without a way to verify tokens, naming AUTH_JWKS_URL and AUTH_ISSUER', async () => {
    const child = runTypeScript(entry('path'), {
      ...baseEnv(),
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    });
    const exit = await child.exited;

    expect(exit.code).toBe(1);
    expect(child.output()).toMatch(/Invalid configuration:\n\s+- AUTH_JWKS_URL is required/);
    expect(child.output()).toMatch(/- AUTH_ISSUER is required/);
  }, 60_000);
});
