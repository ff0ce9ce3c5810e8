import { randomUUID } from 'node:crypto';
import type { EnvelopeOf, TaskSubmitted } from '@studypath/contracts';
import { Inbox, PostgresEventStore } from '@studypath/event-store';
import { ProcessMetrics } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import { CodeRunner, type RunRequest, type RunResult } from '@studypath/sandbox';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { MAX_WORKER_TRIES } from '../domain/evaluation-outcome';
import {
  CHARGED_FAILURE_MESSAGE,
  MAX_FREE_INFRASTRUCTURE_FAILURES,
} from '../domain/infrastructure-failure-cap';
import { EvaluationDatabase, EvaluationEventStore } from '../evaluation.database';
import { TaskEvaluationsRepository } from '../projections/task-evaluations.repository';
import { EvaluateSubmission } from './evaluate-submission.usecase';

class ScriptedRunner extends CodeRunner {
  runs = 0;
  constructor(private readonly script: (request: RunRequest) => Promise<RunResult>) {
    super();
  }
  describeIsolation() {
    return { isolated: true, mechanism: 'test', warnings: [] };
  }
  async run(request: RunRequest): Promise<RunResult> {
    this.runs += 1;
    return this.script(request);
  }
}

const catalog = new BundledCatalog();
const problem = catalog.all()[0];

function submitted(
  problemId = problem?.id ?? 'no-problem-in-the-catalog',
): EnvelopeOf<typeof TaskSubmitted> {
  return {
    event_id: randomUUID(),
    event_type: 'task.submitted',
    schema_version: 1,
    stream_id: `task-${randomUUID()}`,
    stream_position: 4,
    global_position: 40,
    user_id: 'user-1',
    occurred_at: new Date().toISOString(),
    correlation_id: randomUUID(),
    causation_id: null,
    traceparent: null,
    data: {
      task_id: randomUUID(),
      path_id: randomUUID(),
      submission_id: randomUUID(),
      problem_id: problemId,
      language: 'python',
      code: 'def f():\n    pass\n',
      attempt: 1,
    },
  };
}

describe('EvaluateSubmission (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase([EvaluationDatabase]);
    dataSource = await db.dataSource(EvaluationDatabase);
    store = new PostgresEventStore(dataSource, EvaluationEventStore);
  });

  afterAll(async () => {
    await db.drop();
  });

  // A new use case per delivery, as a restarted worker would be: nothing is remembered in memory.
  const evaluate = (runner: CodeRunner) =>
    new EvaluateSubmission(
      new TaskEvaluationsRepository(dataSource),
      store,
      new Inbox(dataSource, 'evaluation'),
      catalog,
      runner,
      new ProcessMetrics(),
    );
  const row = async (submissionId: string) =>
    (
      (await dataSource.query(
        'SELECT * FROM evaluation.task_evaluations WHERE submission_id = $1',
        [submissionId],
      )) as Record<string, unknown>[]
    )[0];

  it(`retries a submission that crashes its worker, then gives it up after ${MAX_WORKER_TRIES} tries with a status the user sees`, async () => {
    const runner = new ScriptedRunner(async () => {
      throw new Error('the worker died');
    });
    const event = submitted();
    const submissionId = event.data.submission_id;

    for (let i = 1; i <= MAX_WORKER_TRIES; i++) {
      await expect(evaluate(runner).execute(event)).rejects.toThrow('the worker died');
      expect(await row(submissionId)).toMatchObject({ state: 'running', worker_tries: i });
    }
    await evaluate(runner).execute(event);
    await evaluate(runner).execute(event); // a redelivery after giving up changes nothing

    expect(runner.runs).toBe(MAX_WORKER_TRIES);
    expect(await row(submissionId)).toMatchObject({
      state: 'failed',
      status: 'infrastructure_error',
      message: `the evaluation stopped its worker ${MAX_WORKER_TRIES} times`,
    });
    const events = await store.readStream(`evaluation-${submissionId}`);
    expect(events.map((e) => e.event_type)).toEqual(['evaluation.failed']);
  });

  it('runs the sample tests first, as visible, then the hidden tests', async () => {
    let seen: RunRequest | undefined;
    const runner = new ScriptedRunner(async (request) => {
      seen = request;
      return {
        status: 'failed',
        score: 0,
        passed: 0,
        total: request.tests.length,
        runtime_ms: null,
        memory_kb: null,
        tests: [],
        message: null,
      };
    });
    await evaluate(runner).execute(submitted());

    const samples = problem.sample_tests.length;
    expect(samples).toBeGreaterThan(0);
    expect(seen?.tests).toEqual([
      ...problem.sample_tests.map((t) => ({ args: t.args, expected: t.expected, hidden: false })),
      ...problem.hidden_tests.map((t) => ({ args: t.args, expected: t.expected, hidden: true })),
    ]);
  });

  it('records a result once, with the hash of the suite it ran, however often the submission is delivered', async () => {
    const runner = new ScriptedRunner(async (request) => ({
      status: 'passed',
      score: 1,
      passed: request.tests.length,
      total: request.tests.length,
      runtime_ms: 5,
      memory_kb: 8000,
      tests: request.tests.map((t, index) => ({
        index,
        hidden: t.hidden,
        status: 'pass',
        message: null,
        input: null,
        actual: null,
        expected: null,
        time_ms: 1,
      })),
      message: null,
    }));
    const event = submitted();
    const submissionId = event.data.submission_id;

    await evaluate(runner).execute(event);
    await evaluate(runner).execute(event);

    expect(runner.runs).toBe(1);
    expect(await row(submissionId)).toMatchObject({
      state: 'completed',
      status: 'passed',
      score: 1,
      test_suite_hash: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const events = await store.readStream(`evaluation-${submissionId}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_type: 'evaluation.completed',
      data: { score: 1 },
      causation_id: event.event_id,
    });
  });

  it('reports a sandbox failure as evaluation.failed, never as a wrong answer', async () => {
    const runner = new ScriptedRunner(async (request) => ({
      status: 'infrastructure_error',
      score: 0,
      passed: 0,
      total: request.tests.length,
      runtime_ms: null,
      memory_kb: null,
      tests: [],
      message: 'bwrap: setting up uid map: Permission denied',
    }));
    const event = submitted();
    const submissionId = event.data.submission_id;

    await evaluate(runner).execute(event);

    expect(await row(submissionId)).toMatchObject({
      state: 'failed',
      status: 'infrastructure_error',
    });
    expect((await store.readStream(`evaluation-${submissionId}`)).map((e) => e.event_type)).toEqual(
      ['evaluation.failed'],
    );
  });

  it('reports a problem the bank does not know as evaluation.failed, without running anything', async () => {
    const runner = new ScriptedRunner(async () => {
      throw new Error('nothing should run');
    });
    const event = submitted('no-such-problem');
    const submissionId = event.data.submission_id;

    await evaluate(runner).execute(event);

    expect(runner.runs).toBe(0);
    expect(await row(submissionId)).toMatchObject({
      state: 'failed',
      status: 'infrastructure_error',
      message: 'the problem bank does not know problem no-such-problem',
    });
    const events = await store.readStream(`evaluation-${submissionId}`);
    expect(events.map((e) => [e.event_type, e.data])).toEqual([
      [
        'evaluation.failed',
        {
          submission_id: submissionId,
          task_id: event.data.task_id,
          path_id: event.data.path_id,
          reason: 'the problem bank does not know problem no-such-problem',
        },
      ],
    ]);
  });
  describe(`the cap on free sandbox failures (${MAX_FREE_INFRASTRUCTURE_FAILURES} per code in 24 h)`, () => {
    const failingSandbox = () =>
      new ScriptedRunner(async (request) => ({
        status: 'infrastructure_error',
        score: 0,
        passed: 0,
        total: request.tests.length,
        runtime_ms: null,
        memory_kb: null,
        tests: [],
        message: 'the sandbox failed to run the code',
      }));
    // Code no other test submits, so that only this test's failures count.
    const uniqueCode = () => `def f():\n    return '${randomUUID()}'\n`;
    const submittedCode = (
      code: string,
      options: { language?: 'python' | 'javascript'; userId?: string; problemId?: string } = {},
    ): EnvelopeOf<typeof TaskSubmitted> => {
      const event = submitted(options.problemId);
      return {
        ...event,
        user_id: options.userId ?? event.user_id,
        data: { ...event.data, code, language: options.language ?? event.data.language },
      };
    };
    const eventTypes = async (submissionId: string) =>
      (await store.readStream(`evaluation-${submissionId}`)).map((e) => e.event_type);
    const expectFree = async (submissionId: string) => {
      expect(await row(submissionId)).toMatchObject({
        state: 'failed',
        status: 'infrastructure_error',
      });
      expect(await eventTypes(submissionId)).toEqual(['evaluation.failed']);
    };
    const expectCharged = async (submissionId: string) => {
      const hidden = (await catalog.getHiddenTests(problem?.id ?? ''))?.tests.length ?? 0;
      const total = hidden + (problem?.sample_tests.length ?? 0);
      expect(await row(submissionId)).toMatchObject({
        state: 'completed',
        status: 'error',
        score: 0,
        passed_tests: 0,
        total_tests: total,
        message: CHARGED_FAILURE_MESSAGE,
        failure_cause: null,
      });
      expect(
        ((await row(submissionId))?.tests as { status: string }[]).map((t) => t.status),
      ).toEqual(Array<string>(total ?? 0).fill('not_run'));
      const events = await store.readStream(`evaluation-${submissionId}`);
      expect(events.map((e) => [e.event_type, e.data])).toEqual([
        [
          'evaluation.completed',
          expect.objectContaining({
            status: 'error',
            score: 0,
            passed_tests: 0,
            total_tests: total,
          }),
        ],
      ]);
    };

    it('lets the sandbox fail on one code a few times for free, across users, then charges the next failure as an error', async () => {
      const code = uniqueCode();
      const runner = failingSandbox();

      for (let i = 1; i <= MAX_FREE_INFRASTRUCTURE_FAILURES; i++) {
        const event = submittedCode(code, { userId: `user-${i}` });
        await evaluate(runner).execute(event);
        await expectFree(event.data.submission_id);
      }
      const over = submittedCode(code, { userId: 'user-4' });
      await evaluate(runner).execute(over);
      await expectCharged(over.data.submission_id);

      // Charged runs are not failures: the window still holds the free ones, so the next is charged too.
      const again = submittedCode(code, { userId: 'user-1' });
      await evaluate(runner).execute(again);
      await expectCharged(again.data.submission_id);

      // Other code, and the same code in another language, are counted apart.
      const other = submittedCode(uniqueCode());
      await evaluate(runner).execute(other);
      await expectFree(other.data.submission_id);
      const javascript = submittedCode(code, { language: 'javascript' });
      await evaluate(runner).execute(javascript);
      await expectFree(javascript.data.submission_id);
    });

    it('counts and charges a worker the code stopped, not a problem the bank does not know', async () => {
      const code = uniqueCode();
      const crashing = new ScriptedRunner(async () => {
        throw new Error('the worker died');
      });
      const giveUp = async (event: EnvelopeOf<typeof TaskSubmitted>) => {
        for (let i = 1; i <= MAX_WORKER_TRIES; i++)
          await expect(evaluate(crashing).execute(event)).rejects.toThrow('the worker died');
        await evaluate(crashing).execute(event);
      };

      const unknown = submittedCode(code, { problemId: 'no-such-problem' });
      await evaluate(crashing).execute(unknown);
      await expectFree(unknown.data.submission_id);
      for (let i = 1; i < MAX_FREE_INFRASTRUCTURE_FAILURES; i++) {
        const event = submittedCode(code);
        await evaluate(failingSandbox()).execute(event);
        await expectFree(event.data.submission_id);
      }
      const lastFree = submittedCode(code);
      await giveUp(lastFree);
      await expectFree(lastFree.data.submission_id);

      const over = submittedCode(code);
      await giveUp(over);
      await expectCharged(over.data.submission_id);
    });
  });
});
