import { randomUUID } from 'node:crypto';
import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { CurrentUser, type AuthenticatedUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';
import { HealthRegistry } from '../health/health-contributor';
import { PlatformModule } from '../platform.module';
import { ErrorFilter } from './error.filter';
import { RateLimit } from './rate-limit/rate-limit.decorator';

const AUTH = {
  AUTH_HS256_SECRET: 'http-edge-test-secret-0123456789abcdef',
  AUTH_ISSUER: 'https://issuer.http-edge.test',
};
const OPERATOR_TOKEN = 'operators-health-token-0123456789abcdef';

const tokenFor = (user: string): string =>
  jwt.sign({}, AUTH.AUTH_HS256_SECRET, {
    algorithm: 'HS256',
    issuer: AUTH.AUTH_ISSUER,
    subject: user,
    expiresIn: 600,
  });

@Controller('probe')
class ProbeController {
  @Post('submit')
  @RateLimit('submit')
  submit(@CurrentUser() user: AuthenticatedUser): { submitted_by: string } {
    return { submitted_by: user.id };
  }

  @Get('list')
  @RateLimit('read')
  list(): { items: [] } {
    return { items: [] };
  }

  @Get('cheap')
  cheap(): { ok: true } {
    return { ok: true };
  }

  @Public()
  @Get('open')
  open(): { open: true } {
    return { open: true };
  }
}

/** A probe that a test can turn down, to see /health say so. */
class Switch {
  up = true;
}

async function startApp(config: AppConfig): Promise<{ app: INestApplication; dependency: Switch }> {
  const moduleRef = await Test.createTestingModule({
    imports: [PlatformModule.forRoot(config)],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.useGlobalFilters(new ErrorFilter());
  await app.init();
  const dependency = new Switch();
  app.get(HealthRegistry).register({
    healthKey: 'probe-dependency',
    checkHealth: async () => ({ up: dependency.up, details: { address: 'db.internal:5432' } }),
  });
  return { app, dependency };
}

/** The infrastructure of the test run, so that a service configuration is a real one. */
function serviceConfig(env: NodeJS.ProcessEnv = {}): AppConfig {
  return loadConfig({
    role: 'service',
    service: 'path',
    env: {
      NODE_ENV: 'test',
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_NAMESPACE: `t${randomUUID().slice(0, 8)}.`,
      ...AUTH,
      ...env,
    },
  });
}

/** A client address of its own per test, through the proxy the configuration trusts. */
const newClient = (): string => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

describe('the HTTP edge of the embedded process (limits in memory)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await startApp(
      loadConfig({
        role: 'embedded',
        env: {
          ...AUTH,
          RATE_LIMIT_SUBMIT: '2/1m',
          RATE_LIMIT_READ: '3/1m',
          RATE_LIMIT_ANONYMOUS: '3/1m',
          TRUST_PROXY: 'loopback',
        },
      }),
    ));
  });

  afterAll(async () => {
    await app.close();
  });

  const as = (user: string) => ({ Authorization: `Bearer ${tokenFor(user)}` });

  it("answers 429 with Retry-After in the house error shape once a user's budget is spent", async () => {
    const user = `user-${randomUUID()}`;
    const server = app.getHttpServer();
    const first = await request(server).post('/probe/submit').set(as(user));
    const second = await request(server).post('/probe/submit').set(as(user));
    const third = await request(server).post('/probe/submit').set(as(user));

    expect([first.status, second.status, third.status]).toEqual([201, 201, 429]);
    expect(first.headers['ratelimit-limit']).toBe('2');
    expect(first.headers['ratelimit-remaining']).toBe('1');
    const retryAfter = Number(third.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(third.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `too many submissions: try again in ${retryAfter} s`,
      details: { limit: 'submit', retry_after_seconds: retryAfter },
    });
    // Another user has a budget of their own; another policy too.
    expect(
      (
        await request(server)
          .post('/probe/submit')
          .set(as(`other-${user}`))
      ).status,
    ).toBe(201);
    expect((await request(server).get('/probe/list').set(as(user))).status).toBe(200);
  });

  it('costs nothing on a route without @RateLimit', async () => {
    const user = `user-${randomUUID()}`;
    for (let i = 0; i < 5; i++) {
      const answer = await request(app.getHttpServer()).get('/probe/cheap').set(as(user));
      expect(answer.status).toBe(200);
      expect(answer.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('caps each client without a token, whatever it asks for, but never the health probes', async () => {
    const client = newClient();
    const server = app.getHttpServer();
    const answers = [];
    for (const path of ['/probe/open', '/probe/cheap', '/no/such/route', '/probe/open']) {
      answers.push(await request(server).get(path).set('X-Forwarded-For', client));
    }

    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 429]);
    expect(answers[3]?.headers['retry-after']).toMatch(/^\d+$/);
    expect(answers[3]?.body).toMatchObject({
      statusCode: 429,
      message: expect.stringMatching(/^too many requests without a valid token from this client/),
    });
    // Another client still gets through; so do the probes, and this client's users with tokens.
    const other = await request(server).get('/probe/open').set('X-Forwarded-For', newClient());
    expect(other.status).toBe(200);
    for (const probe of ['/health', '/health/live']) {
      expect((await request(server).get(probe).set('X-Forwarded-For', client)).status).toBe(200);
    }
    const withToken = await request(server)
      .get('/probe/cheap')
      .set('X-Forwarded-For', client)
      .set(as(`user-${randomUUID()}`));
    expect(withToken.status).toBe(200);
  });

  it("counts a client's refused tokens against its cap", async () => {
    const client = newClient();
    const server = app.getHttpServer();
    const refused = [];
    for (let i = 0; i < 3; i++) {
      refused.push(
        await request(server)
          .get('/probe/cheap')
          .set('X-Forwarded-For', client)
          .set('Authorization', 'Bearer not-a-token'),
      );
    }

    expect(refused.map((a) => a.status)).toEqual([401, 401, 401]);
    expect((await request(server).get('/probe/open').set('X-Forwarded-For', client)).status).toBe(
      429,
    );
  });

  it('sets the security headers on every answer: success, error and refusal', async () => {
    const server = app.getHttpServer();
    const answers = [
      await request(server).get('/probe/open'),
      await request(server).get('/no/such/route').set(as('someone')),
      await request(server).post('/probe/submit').set('Authorization', 'Bearer not-a-token'),
    ];

    for (const answer of answers) {
      expect(answer.headers).toMatchObject({
        'content-security-policy': "default-src 'none';frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('allows web clients on this machine by default, and no other origin', async () => {
    const server = app.getHttpServer();
    const local = await request(server)
      .get('/probe/cheap')
      .set('Origin', 'http://localhost:5173')
      .set(as('someone'));
    const preflight = await request(server)
      .options('/probe/submit')
      .set('Origin', 'http://127.0.0.1:8080')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    const foreign = await request(server)
      .get('/probe/cheap')
      .set('Origin', 'https://evil.example.com')
      .set(as('someone'));

    expect(local.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(local.headers['access-control-expose-headers']).toContain('Retry-After');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8080');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(foreign.status).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('shows the detailed /health report to a caller on this machine', async () => {
    const health = await request(app.getHttpServer()).get('/health');

    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      details: { 'probe-dependency': { status: 'up', address: 'db.internal:5432' } },
    });
  });
});

describe('the HTTP edge of service replicas (limits in the real Redis)', () => {
  let replicas: { app: INestApplication; dependency: Switch }[];

  beforeAll(async () => {
    const config = serviceConfig({
      RATE_LIMIT_SUBMIT: '2/1m',
      HEALTH_DETAILS_TOKEN: OPERATOR_TOKEN,
      CORS_ORIGINS: 'https://app.studypath.example',
    });
    // Two replicas of one service: one configuration, one Redis.
    replicas = [await startApp(config), await startApp(config)];
  });

  afterAll(async () => {
    await Promise.all(replicas.map(({ app }) => app.close()));
  });

  const server = (replica: number): Parameters<typeof request>[0] =>
    replicas[replica]?.app.getHttpServer() as Parameters<typeof request>[0];
  /** Turns the probe dependency of a replica up or down. */
  const setUp = (replica: number, up: boolean): void => {
    const dependency = replicas[replica]?.dependency;
    if (dependency) dependency.up = up;
  };

  it('spends one budget per user across replicas, then answers 429 with Retry-After', async () => {
    const user = `user-${randomUUID()}`;
    const auth = { Authorization: `Bearer ${tokenFor(user)}` };
    const statuses = [];
    for (const replica of [0, 1, 0]) {
      const answer = await request(server(replica)).post('/probe/submit').set(auth);
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(answer.body).toMatchObject({ statusCode: 429, details: { limit: 'submit' } });
      }
    }

    expect(statuses).toEqual([201, 201, 429]);
  });

  it('says only up or down on /health, without the operator token', async () => {
    const publicAnswer = await request(server(0)).get('/health');
    const userToken = await request(server(0))
      .get('/health')
      .set('Authorization', `Bearer ${tokenFor('someone')}`);

    expect([publicAnswer.status, publicAnswer.body]).toEqual([200, { status: 'up' }]);
    expect(publicAnswer.headers['cache-control']).toBe('no-store');
    expect([userToken.status, userToken.body]).toEqual([200, { status: 'up' }]);

    setUp(0, false);
    try {
      const down = await request(server(0)).get('/health');
      expect([down.status, down.body]).toEqual([503, { status: 'down' }]);
    } finally {
      setUp(0, true);
    }
  });

  it('shows operators (HEALTH_DETAILS_TOKEN) every dependency, down ones with why', async () => {
    const operator = { Authorization: `Bearer ${OPERATOR_TOKEN}` };
    const up = await request(server(1)).get('/health').set(operator);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      status: 'ok',
      details: {
        cache: { status: 'up', kind: 'redis' },
        'probe-dependency': { status: 'up', address: 'db.internal:5432' },
      },
    });

    setUp(1, false);
    try {
      const down = await request(server(1)).get('/health').set(operator);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: { 'probe-dependency': { status: 'down' } },
      });
    } finally {
      setUp(1, true);
    }
  });

  it('answers only the configured browser origins', async () => {
    const auth = { Authorization: `Bearer ${tokenFor('someone')}` };
    const allowed = await request(server(0))
      .get('/probe/cheap')
      .set('Origin', 'https://app.studypath.example')
      .set(auth);
    const local = await request(server(0))
      .get('/probe/cheap')
      .set('Origin', 'http://localhost:5173')
      .set(auth);

    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.studypath.example');
    expect(local.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers no browser origin at all when none is configured', async () => {
    const { app } = await startApp(serviceConfig());
    try {
      const answer = await request(app.getHttpServer())
        .options('/probe/submit')
        .set('Origin', 'https://app.studypath.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('keeps limiting, in memory, when Redis is down: never a 500', async () => {
    const { app } = await startApp(
      serviceConfig({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_SUBMIT: '2/1m' }),
    );
    try {
      const auth = { Authorization: `Bearer ${tokenFor(`user-${randomUUID()}`)}` };
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await request(app.getHttpServer()).post('/probe/submit').set(auth)).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await app.close();
    }
  });
});
