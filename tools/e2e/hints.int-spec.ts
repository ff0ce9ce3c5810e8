import { randomUUID } from 'node:crypto';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { TutorGatewayDatabase, TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';
import {
  startTestProcess,
  until,
  type HttpAnswer,
  type HttpCall,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

/*
 * A hint end to end over HTTP and the real Kafka: the path service takes the request, the
 * tutor-gateway (built-in tutor) writes it, the path service records it on the task.
 */
describe('hints (path, task-generation and tutor-gateway over the real Kafka)', () => {
  let e2e: TestProcess;
  const call: HttpCall = (...args) => e2e.call(...args);

  beforeAll(async () => {
    e2e = await startTestProcess(
      {
        name: 'e2e-hints',
        role: 'embedded',
        modules: [PathServiceModule, TaskGenerationServiceModule, TutorGatewayServiceModule],
      },
      { databases: [PathDatabase, TaskGenerationDatabase, TutorGatewayDatabase] },
    );
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  const poll = async (
    user: string,
    path: string,
    done: (answer: HttpAnswer) => boolean,
  ): Promise<HttpAnswer> => {
    let last: HttpAnswer | undefined;
    return until(
      async () => {
        last = await call('GET', path, user);
        return done(last) && last;
      },
      () => `GET ${path} to answer as wanted; it last answered ${JSON.stringify(last)}`,
      { intervalMs: 100, timeoutMs: 60_000 },
    );
  };

  it("a learner asks for a hint: the tutor writes the ladder's rung, the task counts it and its events carry the text", async () => {
    const user = `user-${randomUUID()}`;
    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      201,
    );
    const task = (await poll(user, '/v1/study-tasks/next', (a) => a.status === 200)).body.task as {
      id: string;
      problem_id: string;
    };
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

    const asked = await call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(asked.status).toBe(202);
    expect(asked.body.level).toBe(1);
    const hintId = asked.body.hint_id as string;

    const hint = await poll(user, `/v1/hints/${hintId}`, (a) => a.status === 200);
    expect(hint.body).toMatchObject({
      hint_id: hintId,
      task_id: task.id,
      level: 1,
      status: 'delivered',
      source: 'builtin',
    });
    expect(hint.body.content).toContain(problem.hints[0]);
    expect((await call('GET', `/v1/hints/${hintId}`, 'someone-else')).status).toBe(404);

    // The path service recorded it: counted on the task, its text in the task's events.
    await poll(user, `/v1/study-tasks/${task.id}`, (a) => a.body.hints_used === 1);
    const events = await call('GET', `/v1/study-tasks/${task.id}/events`, user);
    const delivered = (
      events.body.events as { event_type: string; data: { content?: string } }[]
    ).filter((e) => e.event_type === 'task.hint_delivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.data.content).toBe(hint.body.content);

    // The next request climbs the ladder.
    const second = await call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(second.body.level).toBe(2);
    const next = await poll(
      user,
      `/v1/hints/${second.body.hint_id as string}`,
      (a) => a.status === 200,
    );
    expect(next.body.content).toContain(problem.hints[1]);
  }, 120_000);
});
