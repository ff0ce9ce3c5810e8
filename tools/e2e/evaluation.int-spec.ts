import { randomUUID } from 'node:crypto';
import { EvaluationDatabase, EvaluationServiceModule } from '@studypath/evaluation-service';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { startProcess, type RunningProcess } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import jwt from 'jsonwebtoken';

const SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789';
const ISSUER = 'https://issuer.e2e';
const catalog = new BundledCatalog();

describe('submit → evaluate → task status (path, task-generation and evaluation over the real Kafka, real sandbox)', () => {
  let db: TestDatabase;
  let running: RunningProcess;

  beforeAll(async () => {
    db = await createTestDatabase([PathDatabase, TaskGenerationDatabase, EvaluationDatabase]);
    running = await startProcess(
      {
        name: 'e2e',
        role: 'embedded',
        modules: [PathServiceModule, TaskGenerationServiceModule, EvaluationServiceModule],
      },
      {
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_NAMESPACE: `t${randomUUID().slice(0, 8)}.`,
        AUTH_HS256_SECRET: SECRET,
        AUTH_ISSUER: ISSUER,
      },
    );
  });

  afterAll(async () => {
    await running?.shutdown();
    await db?.drop();
  });

  async function call(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function nextTask(token: string): Promise<{ id: string; problem_id: string }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const next = await call('GET', '/v1/study-tasks/next', token);
      if (next.status === 200) return next.body.task as { id: string; problem_id: string };
      if (Date.now() > deadline) throw new Error(`no next task: ${JSON.stringify(next.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function result(token: string, submissionId: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await call('GET', `/v1/submissions/${submissionId}?wait=5000`, token);
      if (got.status === 200 && (got.body.status === 'completed' || got.body.status === 'failed'))
        return got.body;
      if (Date.now() > deadline) throw new Error(`no result: ${JSON.stringify(got.body)}`);
    }
  }

  it('completes a task with a correct solution (score 1.0) and keeps it open, listing failing tests, after a wrong one', async () => {
    const user = `user-${randomUUID()}`;
    const token = jwt.sign({}, SECRET, {
      algorithm: 'HS256',
      issuer: ISSUER,
      subject: user,
      expiresIn: 600,
    });
    expect((await call('POST', '/v1/study-paths', token, { track_id: 'meta-swe' })).status).toBe(
      201,
    );

    const task = await nextTask(token);
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

    const wrongName = problem.signature.python.name;
    const wrong = await call('POST', `/v1/study-tasks/${task.id}/submit`, token, {
      language: 'python',
      code: `def ${wrongName}(*args):\n    return None\n`,
    });
    expect(wrong.status).toBe(202);
    const failed = await result(token, wrong.body.submission_id as string);
    expect(failed).toMatchObject({
      status: 'completed',
      evaluation: { status: 'failed', score: 0 },
    });
    const evaluation = failed.evaluation as { failing_tests: unknown[]; total_tests: number };
    expect(evaluation.failing_tests.length).toBe(evaluation.total_tests);
    expect(JSON.stringify(failed)).not.toMatch(/"expected"|"actual"|"args"/);
    await waitForTask(token, task.id, 'in_progress');

    const right = await call('POST', `/v1/study-tasks/${task.id}/submit`, token, {
      language: 'javascript',
      code: problem.solutions.javascript,
    });
    expect(right.status).toBe(202);
    const passed = await result(token, right.body.submission_id as string);
    expect(passed).toMatchObject({
      status: 'completed',
      evaluation: { status: 'passed', score: 1, failing_tests: [] },
    });
    const done = await waitForTask(token, task.id, 'completed');
    expect(done).toMatchObject({ attempts: 2, last_evaluation: { status: 'passed', score: 1 } });
  }, 120_000);

  async function waitForTask(
    token: string,
    id: string,
    status: string,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const got = await call('GET', `/v1/study-tasks/${id}`, token);
      if (got.body.status === status) return got.body;
      if (Date.now() > deadline)
        throw new Error(`task stayed ${String(got.body.status)}, expected ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});
