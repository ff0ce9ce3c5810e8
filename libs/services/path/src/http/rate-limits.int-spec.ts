import { randomUUID } from 'node:crypto';
import type { ProcessDefinition } from '@studypath/platform';
import { startTestProcess, testToken, type TestProcess } from '@studypath/testing';
import { PathDatabase } from '../path.database';
import { PathServiceModule } from '../path-service.module';

const pathService: ProcessDefinition = {
  name: 'path-service',
  role: 'service',
  service: 'path',
  modules: [PathServiceModule],
};

describe('the path service edge: rate limits, headers (real Redis, PostgreSQL and Kafka)', () => {
  let service: TestProcess;

  beforeAll(async () => {
    service = await startTestProcess(pathService, {
      databases: [PathDatabase],
      env: { RATE_LIMIT_READ: '3/1m', RATE_LIMIT_HINT: '1/1m' },
    });
  });

  afterAll(async () => {
    await service.stop();
  });

  const get = (path: string, user: string): Promise<Response> =>
    fetch(`${service.running.url}${path}`, {
      headers: { authorization: `Bearer ${testToken(user)}` },
    });

  it('spends one read budget across the expensive reads, then answers 429 with Retry-After', async () => {
    const user = `user-${randomUUID()}`;
    const answers = [
      await get('/v1/study-tasks', user),
      await get(`/v1/study-tasks/next?path_id=${randomUUID()}`, user),
      await get(`/v1/study-paths/${randomUUID()}/events`, user),
      await get('/v1/study-tasks', user),
    ];

    expect(answers.map((a) => a.status)).toEqual([200, 404, 404, 429]);
    const refused = answers[3] as Response;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `too many requests: try again in ${retryAfter} s`,
      details: { limit: 'read', retry_after_seconds: retryAfter },
    });
    // A cheap read by id is not counted; another user has a budget of their own.
    expect((await get(`/v1/study-tasks/${randomUUID()}`, user)).status).toBe(404);
    expect((await get('/v1/study-tasks', `other-${user}`)).status).toBe(200);
  });

  it('limits hint requests per user', async () => {
    const user = `user-${randomUUID()}`;
    const hint = (): Promise<Response> =>
      fetch(`${service.running.url}/v1/study-tasks/${randomUUID()}/hint`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testToken(user)}` },
      });

    expect((await hint()).status).toBe(404);
    const refused = await hint();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('sets the security headers under /v1 and on /health, and answers no browser origin', async () => {
    const answers = [
      await get('/v1/study-tasks', `user-${randomUUID()}`),
      await fetch(`${service.running.url}/health`, {
        headers: { origin: 'https://app.studypath.example' },
      }),
    ];

    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none'",
      );
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
