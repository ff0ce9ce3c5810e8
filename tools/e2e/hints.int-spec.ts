import { randomUUID } from 'node:crypto';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { TutorGatewayDatabase, TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';
import {
  askHint,
  FakeOpenAi,
  pollGet,
  readHintStream,
  startTestProcess,
  until,
  type HttpAnswer,
  type HttpCall,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

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

  const poll = (
    user: string,
    path: string,
    done: (answer: HttpAnswer) => boolean,
  ): Promise<HttpAnswer> => pollGet(call, user, path, done);

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

    const hint = await poll(
      user,
      `/v1/hints/${hintId}`,
      (a) => a.status === 200 && a.body.status === 'delivered',
    );
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
    type TaskEvent = { event_type: string; data: { content?: string } };
    const events = await poll(user, `/v1/study-tasks/${task.id}/events`, (a) =>
      (a.body.events as TaskEvent[]).some((e) => e.event_type === 'task.hint_delivered'),
    );
    const delivered = (events.body.events as TaskEvent[]).filter(
      (e) => e.event_type === 'task.hint_delivered',
    );
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.data.content).toBe(hint.body.content);

    // The next request climbs the ladder (once the task's spacing between hints has passed).
    const second = await askHint(call, user, task.id);
    expect(second.body.level).toBe(2);
    const next = await poll(
      user,
      `/v1/hints/${second.body.hint_id as string}`,
      (a) => a.status === 200 && a.body.status === 'delivered',
    );

    // A client arriving late on the stream gets the whole hint at once.
    const { events: late } = await readHintStream(
      e2e.running.url,
      user,
      hint.body.hint_id as string,
    );
    expect(late).toEqual([
      {
        event: 'done',
        id: 'done',
        data: { content: hint.body.content, level: 1, source: 'builtin' },
      },
    ]);
    expect(next.body.content).toContain(problem.hints[1]);
  }, 120_000);
});

describe('hints from an LLM (an OpenAI-compatible server, faked), with the built-in tutor as the fallback', () => {
  let e2e: TestProcess;
  let llm: FakeOpenAi;
  const call: HttpCall = (...args) => e2e.call(...args);

  beforeAll(async () => {
    llm = await FakeOpenAi.start({
      reply: ['Which value ', 'must you remember ', 'at each step?'],
    });
    // Read while the application is built, like every TUTOR_LLM_* setting.
    process.env.TUTOR_LLM_URL = llm.baseUrl;
    process.env.TUTOR_LLM_MODEL = 'fake-tutor';
    e2e = await startTestProcess(
      {
        name: 'e2e-hints-llm',
        role: 'embedded',
        modules: [PathServiceModule, TaskGenerationServiceModule, TutorGatewayServiceModule],
      },
      { databases: [PathDatabase, TaskGenerationDatabase, TutorGatewayDatabase] },
    );
  });

  afterAll(async () => {
    delete process.env.TUTOR_LLM_URL;
    delete process.env.TUTOR_LLM_MODEL;
    await e2e?.stop();
    await llm?.stop();
  });

  it("the LLM's hint reaches the learner; when the LLM fails, the built-in one does, once", async () => {
    const user = `user-${randomUUID()}`;
    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      201,
    );
    const next = await until(
      async () => {
        const answer = await call('GET', '/v1/study-tasks/next', user);
        return answer.status === 200 && (answer.body.task as { id: string; problem_id: string });
      },
      'a first task',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const hintOf = async (id: string) =>
      until(
        async () => {
          const answer = await call('GET', `/v1/hints/${id}`, user);
          return answer.status === 200 && answer.body.status === 'delivered' && answer.body;
        },
        `hint ${id}`,
        { timeoutMs: 60_000, intervalMs: 100 },
      );

    // The learner's current code goes with the request into the tutor's context.
    const first = await call('POST', `/v1/study-tasks/${next.id}/hint`, user, {
      code: 'def attempt(xs):\n    return None  # my-current-attempt-7f3a\n',
    });
    expect(await hintOf(first.body.hint_id as string)).toMatchObject({
      level: 1,
      source: 'llm',
      content: 'Which value must you remember at each step?',
    });
    expect(JSON.stringify(llm.requests[0]?.body)).toContain('my-current-attempt-7f3a');

    llm.always({ kind: 'status', status: 500 });
    const second = await askHint(call, user, next.id);
    const fallback = await hintOf(second.body.hint_id as string);
    expect(fallback).toMatchObject({ level: 2, source: 'builtin' });
    const problem = catalog.all().find((p) => p.id === next.problem_id);
    expect(fallback.content).toContain(problem?.hints[1]);
    // Both hints recorded on the task, each once.
    const recorded = await until(
      async () => {
        const task = await call('GET', `/v1/study-tasks/${next.id}`, user);
        return task.body.hints_used === 2 && task;
      },
      'both hints on the task',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(recorded.body.hints_used).toBe(2);

    // Followed while the LLM writes: the chunks in order, then the whole hint; a client that
    // reconnects with Last-Event-ID gets only what came after.
    // (Whole lines go out as they end: an unfinished line could still become code.)
    llm.reset();
    llm.reply(['First name what ', 'you must remember.\n', 'Then update it ', 'at each step.\n']);
    llm.always({ kind: 'slow-chunks', ms: 300 });
    const third = await askHint(call, user, next.id);
    const thirdId = third.body.hint_id as string;
    const { events: live } = await readHintStream(e2e.running.url, user, thirdId);
    const chunks = live.filter((e) => e.event === 'chunk');
    expect(chunks.length).toBeGreaterThan(1);
    expect(live.at(-1)).toMatchObject({
      event: 'done',
      data: {
        level: 3,
        source: 'llm',
        content: 'First name what you must remember.\nThen update it at each step.\n',
      },
    });
    expect(chunks.map((e) => e.data.text).join('')).toBe(live.at(-1)?.data.content);
    const [firstChunk] = chunks;
    const { events: resumed } = await readHintStream(e2e.running.url, user, thirdId, {
      lastEventId: firstChunk?.id,
    });
    expect(resumed.map((e) => e.event)).toEqual(['done']);
  }, 120_000);
});
