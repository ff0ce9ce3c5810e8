import { randomUUID } from 'node:crypto';
import { Topics, type EventEnvelope } from '@studypath/contracts';
import { decodeEvent, KafkaBus, KafkaConnection, type Subscription } from '@studypath/messaging';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { startTestProcess, until, type TestProcess } from '@studypath/testing';

describe('a new path gets its first tasks (path and task-generation services over the real Kafka)', () => {
  let e2e: TestProcess;
  let connection: KafkaConnection;
  let bus: KafkaBus;
  let observer: Subscription;
  const seen: EventEnvelope[] = [];

  beforeAll(async () => {
    e2e = await startTestProcess(
      { name: 'e2e', role: 'embedded', modules: [PathServiceModule, TaskGenerationServiceModule] },
      { databases: [PathDatabase, TaskGenerationDatabase] },
    );
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'e2e',
    });
    bus = new KafkaBus(connection.kafka, { namespace: e2e.namespace });
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
    await e2e?.stop();
  });

  it('creating a path over HTTP yields its initial tasks as task.created events, and GET /v1/study-tasks/next returns the first', async () => {
    const user = `user-${randomUUID()}`;
    const created = await e2e.call('POST', '/v1/study-paths', user, {
      track_id: 'meta-swe',
      config: { hours_per_week: 1, pending_tasks_ahead: 5 },
    });
    expect(created.status).toBe(201);
    const pathId = created.body.id as string;

    const tasks = await until(
      () => {
        const found = seen.filter(
          (e) =>
            e.event_type === 'task.created' && (e.data as { path_id: string }).path_id === pathId,
        );
        return found.length >= 5 && found;
      },
      'five task.created events',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
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

    const next = await e2e.call('GET', '/v1/study-tasks/next', user);
    expect(next.status).toBe(200);
    const body = next.body as {
      task: { id: string; problem_id: string; order: number; status: string };
      problem: { id: string };
    };
    const first = proposed.find((t) => t.order === Math.min(...proposed.map((p) => p.order)));
    expect(body.task).toMatchObject({ problem_id: first?.problem_id, status: 'pending' });
    expect(body.problem.id).toBe(first?.problem_id);

    // Skipping it ends it: the window of pending tasks is topped up with an adaptive task.
    const skipped = await e2e.call('PATCH', `/v1/study-tasks/${body.task.id}/status`, user, {
      status: 'skipped',
    });
    expect(skipped.status).toBe(200);
    const adaptive = await until(
      () =>
        seen.find(
          (e) =>
            e.event_type === 'task.created' &&
            (e.data as { path_id: string; source: string }).path_id === pathId &&
            (e.data as { source: string }).source === 'adaptive',
        ),
      'an adaptive task.created event',
      { intervalMs: 100 },
    );
    expect(adaptive).toBeDefined();
  }, 90_000);
});
