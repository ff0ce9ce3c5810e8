import { randomUUID } from 'node:crypto';
import {
  EvaluationCompleted,
  TasksProposed,
  Topics,
  TutorHintDelivered,
  type EventEnvelope,
} from '@studypath/contracts';
import {
  decodeEvent,
  encodeEvent,
  KafkaBus,
  KafkaConnection,
  type Subscription,
} from '@studypath/messaging';
import type { ProcessDefinition } from '@studypath/platform';
import {
  envelope,
  startTestProcess,
  testToken,
  until,
  type HttpCall,
  type TestProcess,
} from '@studypath/testing';
import fc from 'fast-check';
import { TaskCommands } from './application/task-commands.service';
import { TaskExpiryJob } from './application/task-expiry.job';
import { MAX_CODE_BYTES } from './http/task.dto';
import { PathDatabase } from './path.database';
import { PathServiceModule } from './path-service.module';

const HINT_CAP = 4;

const pathService: ProcessDefinition = {
  name: 'path-service',
  role: 'service',
  service: 'path',
  modules: [PathServiceModule],
};

describe('path service over HTTP (real PostgreSQL, Redis and Kafka)', () => {
  let service: TestProcess;
  let connection: KafkaConnection;
  let bus: KafkaBus;
  let taskEvents: Subscription;
  const published: EventEnvelope[] = [];
  const call: HttpCall = (...args) => service.call(...args);

  async function propose(
    userId: string,
    pathId: string,
    problems: string[],
    proposalId: string = randomUUID(),
  ): Promise<string> {
    await bus.publish([
      encodeEvent(
        envelope(
          TasksProposed,
          {
            path_id: pathId,
            proposal_id: proposalId,
            tasks: problems.map((problem_id, order) => ({
              problem_id,
              module: 'graphs' as const,
              topics: ['bfs'],
              difficulty: 1,
              order,
              source: 'initial' as const,
              reason: 'test',
            })),
          },
          { user_id: userId },
        ),
      ),
    ]);
    return proposalId;
  }

  async function tasksOf(
    userId: string,
    pathId: string,
    count: number,
  ): Promise<Record<string, unknown>[]> {
    return until(async () => {
      const page = await call('GET', `/v1/study-tasks?path_id=${pathId}&limit=100`, userId);
      const items = page.body.items as Record<string, unknown>[];
      return items.length >= count
        ? items.sort((a, b) => Number(a.order) - Number(b.order))
        : undefined;
    }, `${count} tasks`);
  }

  async function newPath(userId: string): Promise<string> {
    const created = await call('POST', '/v1/study-paths', userId, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  /** A new path of `userId` with one task, of `problem`. */
  async function pathWithOneTask(
    userId: string,
    problem: string,
  ): Promise<{ pathId: string; taskId: string }> {
    const pathId = await newPath(userId);
    await propose(userId, pathId, [problem]);
    const [task] = await tasksOf(userId, pathId, 1);
    return { pathId, taskId: (task as { id: string }).id };
  }

  beforeAll(async () => {
    service = await startTestProcess(pathService, {
      databases: [PathDatabase],
      // The concurrency tests submit 100 times at once as one user, far above the default limit.
      // A small daily hint cap, which no other test here reaches (each user asks 3 at most).
      env: { RATE_LIMIT_SUBMIT: '1000/1m', HINT_DAILY_CAP: String(HINT_CAP) },
    });
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'path-test',
    });
    bus = new KafkaBus(connection.kafka, { namespace: service.namespace });
    taskEvents = await bus.subscribe({
      group: `observer-${randomUUID()}`,
      topics: [Topics.taskEvents],
      handler: async (message) => {
        published.push(decodeEvent(message)); // decodeEvent validates against the JSON Schema
      },
    });
  });

  afterAll(async () => {
    await taskEvents?.stop();
    await bus?.close();
    await connection?.close();
    await service?.stop();
  });

  it("runs a path's lifecycle, one open path per track", async () => {
    const user = `user-${randomUUID()}`;
    const created = await call('POST', '/v1/study-paths', user, {
      track_id: 'meta-swe',
      config: {
        hours_per_week: 8,
        self_assessment: 'intermediate',
        starting_levels: { graphs: 4 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ track_id: 'meta-swe', status: 'active', version: 1 });
    expect(
      (created.body.config as { starting_levels: Record<string, number> }).starting_levels,
    ).toMatchObject({
      graphs: 4,
      heaps: 2,
    });
    const id = created.body.id as string;

    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      409,
    );
    expect((await call('GET', '/v1/study-paths/active', user)).body.id).toBe(id);
    const patched = await call('PATCH', `/v1/study-paths/${id}/config`, user, {
      hours_per_week: 3,
      max_attempts: 5,
    });
    expect(patched.body).toMatchObject({
      version: 2,
      config: expect.objectContaining({ hours_per_week: 3, max_attempts: 5 }),
    });
    expect((await call('GET', '/v1/study-paths/active', user)).body.version).toBe(2); // the cache was dropped
    expect(
      (await call('POST', `/v1/study-paths/${id}/pause`, user, { reason: 'exams' })).body.status,
    ).toBe('paused');
    const again = await call('POST', `/v1/study-paths/${id}/pause`, user, {});
    expect(again).toMatchObject({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', details: { current_status: 'paused' } },
    });
    expect((await call('POST', `/v1/study-paths/${id}/resume`, user)).body.status).toBe('active');
    expect((await call('POST', `/v1/study-paths/${id}/archive`, user, {})).body.status).toBe(
      'archived',
    );
    expect((await call('GET', '/v1/study-paths/active', user)).status).toBe(404);
    expect(
      (await call('PATCH', `/v1/study-paths/${id}/config`, user, { hours_per_week: 4 })).status,
    ).toBe(409);
    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      201,
    );

    const trail = await call('GET', `/v1/study-paths/${id}/events`, user);
    expect((trail.body.events as { event_type: string }[]).map((e) => e.event_type)).toEqual([
      'path.created',
      'path.config_updated',
      'path.paused',
      'path.resumed',
      'path.archived',
    ]);
  });

  it("runs a task's lifecycle from proposal to completion, and publishes every task event in order", async () => {
    const user = `user-${randomUUID()}`;
    const pathId = await newPath(user);
    const proposalId = await propose(user, pathId, [
      'graph-courier-reach',
      'graph-largest-spill',
      'graph-office-rumor',
    ]);
    await propose(
      user,
      pathId,
      ['graph-courier-reach', 'graph-largest-spill', 'graph-office-rumor'],
      proposalId,
    );
    const tasks = await tasksOf(user, pathId, 3);
    expect(tasks).toHaveLength(3);
    const [first, second] = tasks as [Record<string, unknown>, Record<string, unknown>];

    const next = await call('GET', '/v1/study-tasks/next', user);
    expect(next.body).toMatchObject({
      task: { id: first.id, status: 'pending', problem_id: 'graph-courier-reach' },
      problem: {
        id: 'graph-courier-reach',
        title: expect.any(String),
        statement: expect.any(String),
      },
    });
    expect(JSON.stringify(next.body)).not.toMatch(/hidden_tests|solutions/);

    expect(
      (
        await call('PATCH', `/v1/study-tasks/${first.id as string}/status`, user, {
          status: 'in_progress',
        })
      ).body.status,
    ).toBe('in_progress');
    const submitted = await call('POST', `/v1/study-tasks/${first.id as string}/submit`, user, {
      language: 'python',
      code: 'def f(): pass',
    });
    expect(submitted).toMatchObject({ status: 202, body: { status: 'queued' } });
    expect(
      (
        await call('POST', `/v1/study-tasks/${first.id as string}/submit`, user, {
          language: 'python',
          code: 'x',
        })
      ).status,
    ).toBe(409);

    const evaluate = async (submissionId: string, status: 'passed' | 'failed'): Promise<void> => {
      await bus.publish([
        encodeEvent(
          envelope(
            EvaluationCompleted,
            {
              submission_id: submissionId,
              task_id: first.id as string,
              path_id: pathId,
              status,
              score: status === 'passed' ? 1 : 0.4,
              passed_tests: status === 'passed' ? 10 : 4,
              total_tests: 10,
              runtime_ms: 20,
              memory_kb: 9000,
              test_suite_hash: 'abc',
            },
            { user_id: user },
          ),
        ),
      ]);
    };
    await evaluate(submitted.body.submission_id as string, 'failed');
    await until(async () => {
      const task = await call('GET', `/v1/study-tasks/${first.id as string}`, user);
      return task.body.status === 'in_progress' ? task : undefined;
    }, 'the task to reopen');
    const second_try = await call('POST', `/v1/study-tasks/${first.id as string}/submit`, user, {
      language: 'javascript',
      code: 'function f() {}',
    });
    await evaluate(second_try.body.submission_id as string, 'passed');
    const done = await until(async () => {
      const task = await call('GET', `/v1/study-tasks/${first.id as string}`, user);
      return task.body.status === 'completed' ? task : undefined;
    }, 'the task to complete');
    expect(done.body).toMatchObject({
      attempts: 2,
      last_evaluation: { status: 'passed', score: 1 },
    });

    const hint = await call('POST', `/v1/study-tasks/${second.id as string}/hint`, user);
    expect(hint).toMatchObject({ status: 202, body: { level: 1 } });
    await bus.publish([
      encodeEvent(
        envelope(
          TutorHintDelivered,
          {
            hint_request_id: hint.body.hint_id as string,
            task_id: second.id as string,
            path_id: pathId,
            level: 1,
            content: 'Spread outward in layers.',
          },
          { user_id: user },
        ),
      ),
    ]);
    expect(
      (
        await call('PATCH', `/v1/study-tasks/${second.id as string}/status`, user, {
          status: 'skipped',
        })
      ).body.status,
    ).toBe('skipped');
    await until(async () => {
      const trail = await call('GET', `/v1/study-tasks/${second.id as string}/events`, user);
      const types = (trail.body.events as { event_type: string }[]).map((e) => e.event_type);
      return types.includes('task.hint_delivered') ? types : undefined;
    }, 'the delivered hint');

    const trail = await call('GET', `/v1/study-tasks/${first.id as string}/events`, user);
    const expected = [
      'task.created',
      'task.started',
      'task.status_changed',
      'task.submitted',
      'task.status_changed',
      'task.evaluated',
      'task.status_changed',
      'task.submitted',
      'task.status_changed',
      'task.evaluated',
      'task.status_changed',
    ];
    expect((trail.body.events as { event_type: string }[]).map((e) => e.event_type)).toEqual(
      expected,
    );

    // The same events reached the Kafka topic, valid and in stream order.
    const onTopic = await until(async () => {
      const mine = published.filter((e) => e.stream_id === `task-${first.id as string}`);
      return mine.length >= expected.length ? mine : undefined;
    }, 'the task events on Kafka');
    expect(onTopic.map((e) => e.event_type)).toEqual(expected);
    expect(onTopic.map((e) => e.stream_position)).toEqual(expected.map((_, i) => i + 1));
    expect(new Set(onTopic.map((e) => e.user_id))).toEqual(new Set([user]));
  });

  it('creates a review task from a proposed review once, its task.created carrying the review', async () => {
    const user = `user-${randomUUID()}`;
    const pathId = await newPath(user);
    const review = {
      review_id: randomUUID(),
      card_state: 'review' as const,
      due_at: '2026-01-12T07:30:00.000Z',
      last_interval_days: 6,
      scheduling_policy: 'fsrs-1',
    };
    const proposal = envelope(
      TasksProposed,
      {
        path_id: pathId,
        proposal_id: randomUUID(),
        tasks: [
          {
            problem_id: 'graph-courier-reach',
            module: 'graphs',
            topics: ['bfs'],
            difficulty: 1,
            order: 1,
            source: 'review',
            reason: 'spaced repetition: due 2026-01-12',
            review,
          },
        ],
      },
      { user_id: user },
    );
    // Redelivered, and proposed again as another event: still one task.
    await bus.publish([encodeEvent(proposal)]);
    await bus.publish([
      encodeEvent(proposal),
      encodeEvent({ ...proposal, event_id: randomUUID() }),
    ]);
    // A later proposal of the same user (the same partition, so handled after those) without one.
    await propose(user, pathId, ['graph-largest-spill']);

    const tasks = await tasksOf(user, pathId, 2);
    expect(tasks.map((t) => [t.problem_id, t.source])).toEqual([
      ['graph-largest-spill', 'initial'],
      ['graph-courier-reach', 'review'],
    ]);
    const created = await until(() => {
      const mine = published.filter(
        (e) =>
          e.event_type === 'task.created' && (e.data as { path_id: string }).path_id === pathId,
      );
      return mine.length >= 2 ? mine : undefined;
    }, 'the task.created events on Kafka');
    expect(created).toHaveLength(2);
    expect(created.map((e) => e.schema_version)).toEqual([2, 2]);
    const [reviewTask, other] = created.map((e) => e.data as Record<string, unknown>);
    expect(reviewTask).toMatchObject({
      problem_id: 'graph-courier-reach',
      source: 'review',
      proposal_id: proposal.data.proposal_id,
      review,
    });
    expect(other).toMatchObject({ problem_id: 'graph-largest-spill' });
    expect(other).not.toHaveProperty('review');
  });

  it('accepts exactly one of 100 concurrent submissions to a task; the rest are 409, none 500', async () => {
    const user = `user-${randomUUID()}`;
    const { taskId: id } = await pathWithOneTask(user, 'graph-assembly-order');

    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call('POST', `/v1/study-tasks/${id}/submit`, user, {
          language: 'python',
          code: `x = ${i}`,
        }).then((r) => r.status),
      ),
    );

    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    const trail = await call('GET', `/v1/study-tasks/${id}/events`, user);
    const events = trail.body.events as { event_type: string; stream_position: number }[];
    expect(events.map((e) => e.event_type)).toEqual([
      'task.created',
      'task.started',
      'task.status_changed',
      'task.submitted',
      'task.status_changed',
    ]);
    expect(events.map((e) => e.stream_position)).toEqual([1, 2, 3, 4, 5]);
    expect((await call('GET', `/v1/study-tasks/${id}`, user)).body).toMatchObject({
      status: 'submitted',
      attempts: 1,
      version: 5,
    });
  });

  it("hides other users' paths and tasks behind 404, and wants a token", async () => {
    const owner = `user-${randomUUID()}`;
    const { pathId, taskId } = await pathWithOneTask(owner, 'graph-timed-trains');
    const stranger = `user-${randomUUID()}`;

    for (const [method, path, body] of [
      ['GET', `/v1/study-paths/${pathId}`, undefined],
      ['POST', `/v1/study-paths/${pathId}/pause`, {}],
      ['GET', `/v1/study-paths/${pathId}/events`, undefined],
      ['GET', `/v1/study-tasks/${taskId}`, undefined],
      ['PATCH', `/v1/study-tasks/${taskId}/status`, { status: 'skipped' }],
      ['POST', `/v1/study-tasks/${taskId}/submit`, { language: 'python', code: 'x' }],
      ['GET', `/v1/study-tasks/${taskId}/events`, undefined],
    ] as const) {
      expect([method, path, (await call(method, path, stranger, body)).status]).toEqual([
        method,
        path,
        404,
      ]);
    }
    expect((await call('GET', `/v1/study-tasks?path_id=${pathId}`, stranger)).body.items).toEqual(
      [],
    );
    const anonymous = await call('GET', `/v1/study-paths/${pathId}`, null);
    expect(anonymous).toMatchObject({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized' },
    });
  });

  it('answers bad input with the right 4xx and one error shape', async () => {
    const user = `user-${randomUUID()}`;
    const { taskId } = await pathWithOneTask(user, 'graph-fragile-cables');
    const submit = `/v1/study-tasks/${taskId}/submit`;

    const big = await call('POST', submit, user, {
      language: 'python',
      code: 'x'.repeat(64 * 1024 + 1),
    });
    expect(big).toMatchObject({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large' },
    });
    const cobol = await call('POST', submit, user, { language: 'cobol', code: 'x' });
    expect(cobol).toMatchObject({
      status: 400,
      body: { message: 'language must be python or javascript' },
    });
    expect((await call('POST', submit, user, '{"language": "python", "code": ')).status).toBe(400);
    expect((await call('GET', '/v1/study-tasks/not-a-uuid', user)).status).toBe(400);
    expect((await call('GET', '/v1/study-tasks?limit=1000', user)).status).toBe(400);
    expect((await call('GET', '/v1/study-tasks?cursor=bm90LWEtY3Vyc29y', user)).status).toBe(400);
    const unknown = await call('POST', '/v1/study-paths', `user-${randomUUID()}`, {
      track_id: 'google-l5',
    });
    expect(unknown).toMatchObject({ status: 400, body: { message: 'unknown track "google-l5"' } });
    const extra = await call('POST', '/v1/study-paths', `user-${randomUUID()}`, {
      track_id: 'meta-swe',
      admin: true,
    });
    expect(extra).toMatchObject({
      status: 400,
      body: { details: { problems: ['property admin should not exist'] } },
    });
  });

  it('keeps one hint in flight per task, 10 s apart, up to level 3, with the code sent checked', async () => {
    const user = `user-${randomUUID()}`;
    const { pathId, taskId } = await pathWithOneTask(user, 'graph-courier-reach');
    const hint = (body?: unknown): Promise<Response> =>
      fetch(`${service.running.url}/v1/study-tasks/${taskId}/hint`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${testToken(user)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const tooLong = `code must be at most ${MAX_CODE_BYTES} bytes (UTF-8)`;

    // The code is counted in UTF-8 bytes: 32,769 "é" are 65,538 bytes. Nothing is recorded.
    for (const code of ['x'.repeat(MAX_CODE_BYTES + 1), 'é'.repeat(MAX_CODE_BYTES / 2 + 1)]) {
      const refused = await hint({ code });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ message: tooLong });
    }
    expect((await hint({ code: 42 })).status).toBe(400);
    expect((await hint({ language: 'python' })).status).toBe(400);

    const first = await hint({ code: 'x'.repeat(MAX_CODE_BYTES) });
    expect(first.status).toBe(202);
    const accepted = (await first.json()) as { hint_id: string };
    expect(accepted).toEqual({
      hint_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      level: 1,
      stream_url: `/v1/hints/${accepted.hint_id}/stream`,
    });

    const inFlight = await hint();
    expect(inFlight.status).toBe(409);
    expect(await inFlight.json()).toMatchObject({
      message: expect.stringMatching(
        new RegExp(`^hint ${accepted.hint_id} \\(level 1\\) of this task is still being prepared`),
      ),
      details: { pending_hint_id: accepted.hint_id, level: 1 },
    });

    await bus.publish([
      encodeEvent(
        envelope(
          TutorHintDelivered,
          {
            hint_request_id: accepted.hint_id,
            task_id: taskId,
            path_id: pathId,
            level: 1,
            content: 'Spread outward in layers.',
          },
          { user_id: user },
        ),
      ),
    ]);
    await until(async () => {
      const trail = await call('GET', `/v1/study-tasks/${taskId}/events`, user);
      const types = (trail.body.events as { event_type: string }[]).map((e) => e.event_type);
      return types.includes('task.hint_delivered') ? types : undefined;
    }, 'the delivered hint');

    const tooSoon = await hint();
    expect(tooSoon.status).toBe(429);
    const retryAfter = Number(tooSoon.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(await tooSoon.json()).toMatchObject({
      statusCode: 429,
      message: expect.stringMatching(
        new RegExp(`^at most one hint every 10 s on a task: ask again in ${retryAfter} s \\(at `),
      ),
      details: { retry_after_seconds: retryAfter },
    });
    expect((await call('GET', `/v1/study-tasks/${taskId}`, user)).body.hints_used).toBe(1);
  });

  it(`caps a user's hints at ${HINT_CAP} in any 24 hours across tasks: 429 with Retry-After until the oldest leaves the window`, async () => {
    const user = `user-${randomUUID()}`;
    const pathId = await newPath(user);
    await propose(user, pathId, [
      'graph-courier-reach',
      'graph-largest-spill',
      'graph-courier-reach',
    ]);
    const [a, b, c] = (await tasksOf(user, pathId, 3)).map((t) => t.id as string);
    if (!a || !b || !c) throw new Error('three tasks');
    const commands = service.running.app.get(TaskCommands);
    const ago = (seconds: number): Date => new Date(Date.now() - seconds * 1000);
    const deliver = (taskId: string, hintRequestId: string, level: number) =>
      commands.apply(
        taskId,
        { type: 'deliver_hint', hintRequestId, level, content: 'a hint' },
        { userId: user },
      );
    // One request 25 hours ago (out of the window), then three within it: 23 h 59 min, 2 h and
    // 1 h ago.
    const old = randomUUID();
    await commands.requestHint(user, a, old, ago(25 * 3600));
    await deliver(a, old, 1);
    const oldest = randomUUID();
    await commands.requestHint(user, a, oldest, ago(23 * 3600 + 59 * 60));
    await deliver(a, oldest, 2);
    for (const [taskId, seconds] of [
      [b, 2 * 3600],
      [c, 3600],
    ] as const) {
      const id = randomUUID();
      await commands.requestHint(user, taskId, id, ago(seconds));
      await deliver(taskId, id, 1);
    }

    // The fourth in the window is allowed; the fifth, on any task, is not.
    expect(await call('POST', `/v1/study-tasks/${a}/hint`, user)).toMatchObject({
      status: 202,
      body: { level: 3 },
    });
    const refused = await fetch(`${service.running.url}/v1/study-tasks/${b}/hint`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testToken(user)}` },
    });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    // The oldest request in the window leaves it in about a minute.
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({
      statusCode: 429,
      message: `you have asked for ${HINT_CAP} hints within 24 hours, the most allowed: the next is possible in ${retryAfter} s`,
      details: { retry_after_seconds: retryAfter, daily_cap: HINT_CAP },
    });
    // Nothing recorded for the refused request; hints_used counts delivered hints.
    const task = await call('GET', `/v1/study-tasks/${b}`, user);
    expect(task.body.hints_used).toBe(1);

    // Once the oldest has left the window, the next request passes.
    await expect(
      commands.requestHint(user, b, randomUUID(), new Date(Date.now() + 61_000)),
    ).resolves.toBe(2);
  });

  it("holds a user's concurrent hint requests to the daily cap: exactly the cap passes", async () => {
    const user = `user-${randomUUID()}`;
    const pathId = await newPath(user);
    const problems = Array.from({ length: HINT_CAP + 3 }, (_, i) =>
      i % 2 === 0 ? 'graph-courier-reach' : 'graph-largest-spill',
    );
    await propose(user, pathId, problems);
    const tasks = (await tasksOf(user, pathId, problems.length)).map((t) => t.id as string);
    const answers = await Promise.all(
      tasks.map((taskId) => call('POST', `/v1/study-tasks/${taskId}/hint`, user)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 202)).toHaveLength(HINT_CAP);
    expect(statuses.filter((status) => status === 429)).toHaveLength(problems.length - HINT_CAP);
  });

  it('lets a hint never delivered block the task for 60 s only, and gives no hint beyond level 3', async () => {
    const user = `user-${randomUUID()}`;
    const { taskId } = await pathWithOneTask(user, 'graph-largest-spill');
    const commands = service.running.app.get(TaskCommands);
    const ago = (seconds: number): Date => new Date(Date.now() - seconds * 1000);
    // Level 1 delivered two minutes ago; level 2 asked 61 s ago and never delivered.
    const delivered = randomUUID();
    await commands.requestHint(user, taskId, delivered, ago(120));
    await commands.apply(
      taskId,
      { type: 'deliver_hint', hintRequestId: delivered, level: 1, content: 'BFS' },
      { userId: user },
    );
    await commands.requestHint(user, taskId, randomUUID(), ago(61));

    const third = await call('POST', `/v1/study-tasks/${taskId}/hint`, user, {});
    expect(third).toMatchObject({ status: 202, body: { level: 3 } });
    await commands.apply(
      taskId,
      {
        type: 'deliver_hint',
        hintRequestId: third.body.hint_id as string,
        level: 3,
        content: 'BFS from start',
      },
      { userId: user },
    );

    const fourth = await call('POST', `/v1/study-tasks/${taskId}/hint`, user);
    expect(fourth).toMatchObject({
      status: 409,
      body: { message: 'no hint beyond level 3', details: { hints_requested: 3 } },
    });
  });

  it('never answers random bodies and parameters with a 500', async () => {
    const user = `user-${randomUUID()}`;
    const { pathId, taskId } = await pathWithOneTask(user, 'graph-archive-alphabet');
    const json = fc.oneof(
      fc.jsonValue(),
      fc.object(),
      fc.record({ track_id: fc.string(), config: fc.jsonValue() }),
    );

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['POST', '/v1/study-paths'],
          ['PATCH', `/v1/study-paths/${pathId}/config`],
          ['POST', `/v1/study-paths/${pathId}/pause`],
          ['PATCH', `/v1/study-tasks/${taskId}/status`],
          ['POST', `/v1/study-tasks/${taskId}/submit`],
          ['POST', `/v1/study-tasks/${taskId}/hint`],
        ),
        json,
        async ([method, path], body) => {
          const { status } = await call(method as string, path as string, user, body);
          return status < 500;
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'path_id',
            'status',
            'module',
            'source',
            'from',
            'to',
            'cursor',
            'limit',
            'other',
          ),
          fc.string(),
        ),
        async (params) => {
          const { status } = await call(
            'GET',
            `/v1/study-tasks?${new URLSearchParams(params).toString()}`,
            user,
          );
          return status < 500;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('expires tasks not started within the window, once, with several rounds at once', async () => {
    const user = `user-${randomUUID()}`;
    const pathId = await newPath(user);
    await propose(user, pathId, ['graph-courier-reach', 'graph-largest-spill']);
    const [pending, started] = (await tasksOf(user, pathId, 2)) as [{ id: string }, { id: string }];
    await call('PATCH', `/v1/study-tasks/${started.id}/status`, user, { status: 'in_progress' });
    const job = service.running.app.get(TaskExpiryJob);
    const later = new Date(Date.now() + 8 * 86_400_000);

    const rounds = await Promise.all([job.runOnce(later), job.runOnce(later), job.runOnce(later)]);

    expect(rounds.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `/v1/study-tasks/${pending.id}`, user)).body.status).toBe('expired');
    expect((await call('GET', `/v1/study-tasks/${started.id}`, user)).body.status).toBe(
      'in_progress',
    );
    const trail = await call('GET', `/v1/study-tasks/${pending.id}/events`, user);
    expect(
      (trail.body.events as { event_type: string }[]).filter(
        (e) => e.event_type === 'task.expired',
      ),
    ).toHaveLength(1);
  });
});

describe('path service with Redis down', () => {
  it('answers from the database when the cache is unreachable, and says so on /health', async () => {
    const operatorToken = `operator-${randomUUID()}`;
    const service = await startTestProcess(pathService, {
      databases: [PathDatabase],
      env: {
        LOG_LEVEL: 'error',
        REDIS_URL: 'redis://127.0.0.1:1', // nothing listens there
        HEALTH_DETAILS_TOKEN: operatorToken,
      },
    });
    try {
      const user = `user-${randomUUID()}`;
      const created = await service.call('POST', '/v1/study-paths', user, {
        track_id: 'meta-swe',
      });
      expect(created.status).toBe(201);
      for (let i = 0; i < 2; i++) {
        const active = await service.call('GET', '/v1/study-paths/active', user);
        expect(active.status).toBe(200);
      }
      const health = await service.call('GET', '/health', null);
      expect([health.status, health.body]).toEqual([503, { status: 'down' }]);
      const details = await fetch(`${service.running.url}/health`, {
        headers: { authorization: `Bearer ${operatorToken}` },
      });
      expect(details.status).toBe(503);
      expect(((await details.json()) as { error: object }).error).toHaveProperty('cache');
    } finally {
      await service.stop();
    }
  });
});
