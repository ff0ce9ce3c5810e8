import { randomUUID } from 'node:crypto';
import { Topics, type EventEnvelope } from '@studypath/contracts';
import { decodeEvent, KafkaBus, KafkaConnection, type Subscription } from '@studypath/messaging';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { startProcess, type RunningProcess } from '@studypath/platform';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import jwt from 'jsonwebtoken';

const SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789';
const ISSUER = 'https://issuer.e2e';

describe('a new path gets its first tasks (path and task-generation services over the real Kafka)', () => {
  let db: TestDatabase;
  let running: RunningProcess;
  let connection: KafkaConnection;
  let bus: KafkaBus;
  let observer: Subscription;
  const seen: EventEnvelope[] = [];
  const namespace = `t${randomUUID().slice(0, 8)}.`;

  beforeAll(async () => {
    db = await createTestDatabase([PathDatabase, TaskGenerationDatabase]);
    running = await startProcess(
      { name: 'e2e', role: 'embedded', modules: [PathServiceModule, TaskGenerationServiceModule] },
      {
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_NAMESPACE: namespace,
        AUTH_HS256_SECRET: SECRET,
        AUTH_ISSUER: ISSUER,
      },
    );
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'e2e',
    });
    bus = new KafkaBus(connection.kafka, { namespace });
    observer = await bus.subscribe({
      group: `observer-${randomUUID()}`,
      topics: [Topics.taskEvents, Topics.generationEvents],
      handler: async (message) => {
        seen.push(decodeEvent(message));
      },
    });
  });

  afterAll(async () => {
    await observer?.stop();
    await bus?.close();
    await connection?.close();
    await running?.shutdown();
    await db?.drop();
  });

  it('creating a path over HTTP yields its initial tasks as task.created events, and GET /v1/study-tasks/next returns the first', async () => {
    const user = `user-${randomUUID()}`;
    const token = jwt.sign({}, SECRET, {
      algorithm: 'HS256',
      issuer: ISSUER,
      subject: user,
      expiresIn: 600,
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${running.url}/v1/study-paths`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        track_id: 'meta-swe',
        config: { hours_per_week: 1, pending_tasks_ahead: 5 },
      }),
    });
    expect(created.status).toBe(201);
    const pathId = ((await created.json()) as { id: string }).id;

    const deadline = Date.now() + 60_000;
    let tasks: EventEnvelope[] = [];
    while (Date.now() < deadline) {
      tasks = seen.filter(
        (e) =>
          e.event_type === 'task.created' && (e.data as { path_id: string }).path_id === pathId,
      );
      if (tasks.length >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const proposals = seen.filter(
      (e) =>
        e.event_type === 'generation.tasks_proposed' &&
        (e.data as { path_id: string }).path_id === pathId,
    );
    expect(proposals).toHaveLength(1);
    const proposed = (proposals[0]?.data as { tasks: { problem_id: string; order: number }[] })
      .tasks;
    expect(proposed.length).toBeGreaterThanOrEqual(5);
    expect(tasks.map((e) => (e.data as { problem_id: string }).problem_id).sort()).toEqual(
      proposed.map((t) => t.problem_id).sort(),
    );
    expect(tasks.every((e) => (e.data as { source: string }).source === 'initial')).toBe(true);
    // The trace followed the work: the proposal and the tasks carry the path's trace id.
    const traceId = (tp: string | null): string | undefined => tp?.split('-')[1];
    const pathCreated = seen.find(
      (e) => e.event_type === 'path.created' && (e.data as { path_id: string }).path_id === pathId,
    );
    expect(traceId(proposals[0]?.traceparent ?? null)).toBe(
      traceId(pathCreated?.traceparent ?? null),
    );

    const next = await fetch(`${running.url}/v1/study-tasks/next`, { headers });
    expect(next.status).toBe(200);
    const body = (await next.json()) as {
      task: { problem_id: string; order: number; status: string };
      problem: { id: string };
    };
    const first = proposed.find((t) => t.order === Math.min(...proposed.map((p) => p.order)));
    expect(body.task).toMatchObject({ problem_id: first?.problem_id, status: 'pending' });
    expect(body.problem.id).toBe(first?.problem_id);

    // Skipping it ends it: the window of pending tasks is topped up with an adaptive task.
    const taskId = (body.task as unknown as { id: string }).id;
    const skipped = await fetch(`${running.url}/v1/study-tasks/${taskId}/status`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ status: 'skipped' }),
    });
    expect(skipped.status).toBe(200);
    const topUpDeadline = Date.now() + 30_000;
    let adaptive: EventEnvelope | undefined;
    while (!adaptive && Date.now() < topUpDeadline) {
      adaptive = seen.find(
        (e) =>
          e.event_type === 'task.created' &&
          (e.data as { path_id: string; source: string }).path_id === pathId &&
          (e.data as { source: string }).source === 'adaptive',
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(adaptive).toBeDefined();
  }, 90_000);
});
