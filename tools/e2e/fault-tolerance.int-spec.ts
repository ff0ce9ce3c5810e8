import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  createTestDatabase,
  httpCaller,
  runTypeScript,
  TEST_AUTH,
  until,
  WORKSPACE_ROOT,
  type HttpAnswer,
  type RunningChild,
  type TestDatabase,
} from '@studypath/testing';
import { Client } from 'pg';

/*
 * The system as an operator runs it: path, task-generation, evaluation and analytics as separate
 * processes on a broker of their own (so that stopping it disturbs no other test), PostgreSQL and Redis,
 * under a load of concurrent submissions. Faults, one after another: a SIGKILL of each service
 * (restarted on the same port), the broker stopped for 10 s, every PostgreSQL connection of the
 * test database terminated. Afterwards every submission is evaluated exactly once, no task is
 * stuck, each learner's progress counts the evaluation once, and no process exited on its own.
 */

const run = promisify(execFile);
const catalog = new BundledCatalog();
const USERS = 24;
const SERVICES = ['path', 'task-generation', 'evaluation', 'analytics'] as const;
type Service = (typeof SERVICES)[number];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A Kafka broker of this test's own, from deploy/kafka (its own ports and data directory). */
class PrivateBroker {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  static async create(): Promise<PrivateBroker> {
    await mkdir(path.join(WORKSPACE_ROOT, 'tmp'), { recursive: true });
    const dataDir = await mkdtemp(path.join(WORKSPACE_ROOT, 'tmp', 'kafka-fault-'));
    const [port, controller] = [await freePort(), await freePort()];
    return new PrivateBroker({
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_DATA_DIR: dataDir,
    });
  }

  get brokers(): string {
    return `127.0.0.1:${this.env.KAFKA_PORT}`;
  }

  async start(): Promise<void> {
    await run('bash', ['deploy/kafka/kafka.sh', 'start'], { cwd: WORKSPACE_ROOT, env: this.env });
  }

  async stop(): Promise<void> {
    await run('bash', ['deploy/kafka/kafka.sh', 'stop'], { cwd: WORKSPACE_ROOT, env: this.env });
  }

  async remove(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.env.KAFKA_DATA_DIR as string, { recursive: true, force: true });
  }
}

describe('fault tolerance (services as processes, real Kafka, PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let broker: PrivateBroker;
  const ports = new Map<Service, number>();
  const processes = new Map<Service, RunningChild>();
  /** Services that exited without being told to: must stay empty. */
  const unexpectedExits: string[] = [];
  const killing = new Set<Service>();

  const start = async (service: Service): Promise<void> => {
    const child = runTypeScript(`apps/${service}-service/src/main.ts`, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: String(ports.get(service)),
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_BROKERS: broker.brokers,
      KAFKA_CLIENT_ID: `fault-${service}`,
      AUTH_HS256_SECRET: TEST_AUTH.secret,
      AUTH_ISSUER: TEST_AUTH.issuer,
    });
    processes.set(service, child);
    void child.exited.then((exit) => {
      if (!killing.has(service) && processes.get(service) === child) {
        unexpectedExits.push(`${service}: ${JSON.stringify(exit)}\n${child.output().slice(-3000)}`);
      }
    });
    await child.waitFor(/listening on (http:\/\/\S+) /, 120_000);
  };

  const sigkill = async (service: Service): Promise<void> => {
    killing.add(service);
    await processes.get(service)?.stop('SIGKILL');
    killing.delete(service);
    await start(service);
  };

  beforeAll(async () => {
    db = await createTestDatabase([]);
    broker = await PrivateBroker.create();
    await broker.start();
    for (const service of SERVICES) ports.set(service, await freePort());
    for (const service of SERVICES) await start(service);
  }, 300_000);

  afterAll(async () => {
    for (const [service, child] of processes) {
      killing.add(service);
      await child.stop('SIGTERM');
    }
    await broker?.remove();
    await db?.drop();
  }, 120_000);

  const url = (service: Service) => `http://127.0.0.1:${ports.get(service)}`;

  /** A request that outlives restarts: connection errors and 5xx are retried, other answers kept. */
  async function call(
    service: Service,
    method: string,
    route: string,
    user: string,
    body?: unknown,
  ): Promise<HttpAnswer> {
    return until(
      async () => {
        try {
          const answer = await httpCaller(url(service))(method, route, user, body);
          return answer.status >= 500 || answer.status === 429 ? undefined : answer;
        } catch {
          return undefined; // restarting
        }
      },
      `${method} ${route} to answer`,
      { timeoutMs: 180_000, intervalMs: 250 },
    );
  }

  /** Where a learner's submission got to, and what the services printed last. */
  async function diagnose(user: string): Promise<string> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const events = await client.query<{ event_type: string; data: unknown }>(
        `SELECT event_type, data FROM path.task_events WHERE user_id = $1 ORDER BY global_position`,
        [user],
      );
      const evaluations = await client.query(
        `SELECT submission_id, state, status, worker_tries FROM evaluation.task_evaluations WHERE user_id = $1`,
        [user],
      );
      const logs = [...processes].map(
        ([service, child]) => `--- ${service} (last lines)\n${child.output().slice(-4000)}`,
      );
      return [
        `task events: ${JSON.stringify(events.rows.map((r) => r.event_type))}`,
        `evaluations: ${JSON.stringify(evaluations.rows)}`,
        ...logs,
      ].join('\n');
    } finally {
      await client.end();
    }
  }

  it('evaluates every submission exactly once through SIGKILLs, a broker outage and lost connections', async () => {
    const users = Array.from({ length: USERS }, () => `fault-${randomUUID()}`);
    const submissions = new Map<string, { user: string; task: string }>();

    /** One learner: a path, its first task, the reference solution submitted. */
    const learner = async (user: string, i: number): Promise<void> => {
      const created = await call('path', 'POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
      expect([201, 409]).toContain(created.status);
      const next = await until(
        async () => {
          const answer = await call('path', 'GET', '/v1/study-tasks/next', user);
          return answer.status === 200
            ? (answer.body.task as { id: string; problem_id: string })
            : undefined;
        },
        `a first task for ${user}`,
        { timeoutMs: 180_000, intervalMs: 250 },
      );
      const problem = catalog.all().find((p) => p.id === next.problem_id);
      if (!problem) throw new Error(`unknown problem ${next.problem_id}`);
      const language = i % 2 === 0 ? 'python' : 'javascript';
      const submitted = await call('path', 'POST', `/v1/study-tasks/${next.id}/submit`, user, {
        language,
        code: problem.solutions[language],
      });
      // 409: an earlier try went through and its answer was lost with a killed process.
      expect([202, 409]).toContain(submitted.status);
      if (submitted.status === 202) {
        submissions.set(submitted.body.submission_id as string, { user, task: next.id });
      }
    };

    const load = Promise.all(
      users.map(async (user, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 1000));
        await learner(user, i);
      }),
    );

    const faults: string[] = [];
    const fault = async (name: string, act: () => Promise<void>) => {
      process.stdout.write(`[fault] ${name}\n`);
      await act();
      faults.push(name);
    };
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await fault('SIGKILL evaluation', () => sigkill('evaluation'));
    await fault('broker stopped for 10 s', async () => {
      await broker.stop();
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      await broker.start();
    });
    await fault('every PostgreSQL connection of the test database terminated', async () => {
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      try {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
      } finally {
        await admin.end();
      }
    });
    await fault('SIGKILL path', () => sigkill('path'));
    await fault('SIGKILL task-generation', () => sigkill('task-generation'));
    await fault('SIGKILL analytics', () => sigkill('analytics'));
    const lastFault = performance.now();

    await load;
    // Every task ends completed: the reference solution passed, exactly once.
    for (const user of users) {
      try {
        await until(
          async () => {
            const tasks = await call('path', 'GET', '/v1/study-tasks?status=completed', user);
            return (
              tasks.status === 200 && (tasks.body.items as unknown[] | undefined)?.length === 1
            );
          },
          `${user}'s task to complete`,
          { timeoutMs: 180_000, intervalMs: 250 },
        );
      } catch (error) {
        throw new Error(`${String(error)}\n${await diagnose(user)}`);
      }
    }
    const settledMs = performance.now() - lastFault;
    process.stdout.write(
      `[fault] all ${USERS} tasks completed ${Math.round(settledMs)} ms after the last fault (${faults.join('; ')})\n`,
    );

    // The analytics service (killed too) counted each learner's one evaluation exactly once.
    for (const user of users) {
      const active = await call('path', 'GET', '/v1/study-paths/active', user);
      const pathId = active.body.id as string;
      const progress = await until(
        async () => {
          const answer = await call('analytics', 'GET', `/v1/study-paths/${pathId}/progress`, user);
          return answer.status === 200 && answer.body.tasks_completed === 1
            ? answer.body
            : undefined;
        },
        `${user}'s progress to show the completed task`,
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      expect(progress).toMatchObject({ tasks_completed: 1, overall_accuracy: 1 });
    }

    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const mastery = await client.query<{ stream_id: string; n: number }>(
        `SELECT stream_id, count(*)::int AS n FROM analytics.events
          WHERE event_type = 'analytics.mastery_updated' GROUP BY 1`,
      );
      expect(mastery.rows).toHaveLength(USERS);
      expect(mastery.rows.filter((r) => r.n !== 1)).toEqual([]);
      const evaluated = await client.query<{ submission_id: string; n: number }>(
        `SELECT data->>'submission_id' AS submission_id, count(*)::int AS n FROM evaluation.events
          WHERE event_type = 'evaluation.completed' GROUP BY 1`,
      );
      const recorded = await client.query<{ submission_id: string; n: number }>(
        `SELECT data->>'submission_id' AS submission_id, count(*)::int AS n FROM path.task_events
          WHERE event_type = 'task.evaluated' GROUP BY 1`,
      );
      const submitted = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM path.task_events WHERE event_type = 'task.submitted'`,
      );
      expect(submitted.rows[0]?.n).toBe(USERS);
      for (const [who, rows] of [
        ['evaluation.completed', evaluated.rows],
        ['task.evaluated', recorded.rows],
      ] as const) {
        expect({ who, submissions: rows.length }).toEqual({ who, submissions: USERS });
        expect({ who, twice: rows.filter((r) => r.n !== 1) }).toEqual({ who, twice: [] });
      }
      const stuck = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM evaluation.task_evaluations WHERE state NOT IN ('completed', 'failed')`,
      );
      expect(stuck.rows[0]?.n).toBe(0);
    } finally {
      await client.end();
    }
    expect(unexpectedExits).toEqual([]);
    for (const id of submissions.keys()) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  }, 600_000);
});
