import { randomUUID } from 'node:crypto';
import type { EnvelopeOf, TaskSubmitted } from '@studypath/contracts';
import { LongPollSlots, type AppConfig } from '@studypath/platform';
import type { RunResult, TestOutcome } from '@studypath/sandbox';
import { createTestDatabase, until, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { couldNotRun } from '../domain/evaluation-outcome';
import { EvaluationDatabase } from '../evaluation.database';
import {
  SubmissionFinishedListener,
  SubmissionSubscription,
  type WakeReason,
} from '../projections/submission-finished.listener';
import { TaskEvaluationsRepository } from '../projections/task-evaluations.repository';
import { SubmissionQueries } from './submission-queries.service';

const LONG_WAIT_MS = 25_000;

function submitted(userId: string): EnvelopeOf<typeof TaskSubmitted> {
  return {
    event_id: randomUUID(),
    event_type: 'task.submitted',
    schema_version: 1,
    stream_id: `task-${randomUUID()}`,
    stream_position: 4,
    global_position: 40,
    user_id: userId,
    occurred_at: new Date().toISOString(),
    correlation_id: randomUUID(),
    causation_id: null,
    traceparent: null,
    data: {
      task_id: randomUUID(),
      path_id: randomUUID(),
      submission_id: randomUUID(),
      problem_id: 'two-sum',
      language: 'python',
      code: 'def f():\n    pass\n',
      attempt: 1,
    },
  };
}

const test = (index: number, status: TestOutcome['status']): TestOutcome => ({
  index,
  hidden: false,
  status,
  message: status === 'pass' ? null : 'expected 3, got 4',
  input: '[1, 2]',
  actual: status === 'pass' ? '3' : '4',
  expected: '3',
  time_ms: 1,
});

const result: RunResult = {
  status: 'failed',
  score: 0.5,
  passed: 1,
  total: 2,
  runtime_ms: 30,
  memory_kb: 9000,
  tests: [test(0, 'pass'), test(1, 'fail')],
  message: 'expected 3, got 4',
};

describe('waiting for a submission (real PostgreSQL, LISTEN/NOTIFY)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: TaskEvaluationsRepository;
  let listener: SubmissionFinishedListener;

  beforeAll(async () => {
    db = await createTestDatabase([EvaluationDatabase]);
    dataSource = await db.dataSource(EvaluationDatabase);
    repository = new TaskEvaluationsRepository(dataSource);
    listener = new SubmissionFinishedListener({
      database: { kind: 'url', url: db.url, poolMax: 1 },
    } as AppConfig);
    listener.onApplicationBootstrap();
    await until(() => listener.isListening, 'the listener to listen');
  });

  afterAll(async () => {
    listener.onModuleDestroy();
    await listener.onApplicationShutdown();
    await db.drop();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** A submission of `userId`, received and running, as the evaluation worker leaves it. */
  async function running(userId: string): Promise<string> {
    const event = submitted(userId);
    await repository.claim(event);
    return event.data.submission_id;
  }

  /** Spies on the reads and wake-ups of queries with these caps. */
  function watched(slots = new LongPollSlots({ maxWaiters: 100, maxWaitersPerUser: 5 })) {
    const reads = jest.spyOn(repository, 'findForOwner');
    const wakes = jest.spyOn(SubmissionSubscription.prototype, 'next');
    const reasons = async (): Promise<WakeReason[]> =>
      Promise.all(wakes.mock.results.map((r) => r.value as Promise<WakeReason>));
    return { queries: new SubmissionQueries(repository, listener, slots), reads, wakes, reasons };
  }

  it('answers as soon as the result is recorded: woken by NOTIFY, after two reads in all', async () => {
    const user = `user-${randomUUID()}`;
    const submissionId = await running(user);
    const { queries, reads, wakes, reasons } = watched();

    const answer = queries.get(user, submissionId, LONG_WAIT_MS);
    await until(() => wakes.mock.calls.length === 1, 'the request to wait');
    await dataSource.transaction((manager) =>
      repository.recordResult(submissionId, result, 'suite-hash', manager),
    );

    await expect(answer).resolves.toMatchObject({
      state: 'completed',
      status: 'failed',
      failing_tests: [expect.objectContaining({ index: 1, status: 'fail' })],
    });
    expect(reads).toHaveBeenCalledTimes(2);
    expect(await reasons()).toEqual(['finished']);
    expect(listener.waiting).toBe(0);
  });

  it('is woken by a recorded failure too', async () => {
    const user = `user-${randomUUID()}`;
    const submissionId = await running(user);
    const { queries, reads, wakes, reasons } = watched();

    const answer = queries.get(user, submissionId, LONG_WAIT_MS);
    await until(() => wakes.mock.calls.length === 1, 'the request to wait');
    await dataSource.transaction((manager) =>
      repository.recordFailure(submissionId, couldNotRun('sandbox_failed', 'no sandbox'), manager),
    );

    await expect(answer).resolves.toMatchObject({ state: 'failed' });
    expect(reads).toHaveBeenCalledTimes(2);
    expect(await reasons()).toEqual(['finished']);
  });

  it("is not woken by another submission's result", async () => {
    const user = `user-${randomUUID()}`;
    const [mine, other] = [await running(user), await running(user)];
    const { queries, reads, wakes, reasons } = watched();

    const answer = queries.get(user, mine, LONG_WAIT_MS);
    await until(() => wakes.mock.calls.length === 1, 'the request to wait');
    await dataSource.transaction((manager) =>
      repository.recordResult(other, result, 'suite-hash', manager),
    );
    // The other submission's announcement has been delivered to this listener once a later one
    // (ours) arrives: NOTIFYs reach a listener in commit order.
    await dataSource.transaction((manager) =>
      repository.recordResult(mine, result, 'suite-hash', manager),
    );

    await expect(answer).resolves.toMatchObject({ submission_id: mine, state: 'completed' });
    expect(reads).toHaveBeenCalledTimes(2);
    expect(await reasons()).toEqual(['finished']);
  });

  it('answers at once with the current state beyond the per-user cap of waiters', async () => {
    const user = `user-${randomUUID()}`;
    const [first, second] = [await running(user), await running(user)];
    const { queries, wakes } = watched(
      new LongPollSlots({ maxWaiters: 100, maxWaitersPerUser: 1 }),
    );

    const waiting = queries.get(user, first, LONG_WAIT_MS);
    await until(() => wakes.mock.calls.length === 1, 'the first request to wait');
    // The first request is still waiting (nothing is recorded yet) when the second is answered.
    await expect(queries.get(user, second, LONG_WAIT_MS)).resolves.toMatchObject({
      submission_id: second,
      state: 'running',
    });
    expect(wakes).toHaveBeenCalledTimes(1);

    await dataSource.transaction((manager) =>
      repository.recordResult(first, result, 'suite-hash', manager),
    );
    await expect(waiting).resolves.toMatchObject({ submission_id: first, state: 'completed' });
  });

  it('does not miss a result recorded while its connection is lost: it reads again once listening', async () => {
    const user = `user-${randomUUID()}`;
    const submissionId = await running(user);
    const { queries, wakes, reasons } = watched();

    const answer = queries.get(user, submissionId, LONG_WAIT_MS);
    await until(() => wakes.mock.calls.length === 1, 'the request to wait');
    await dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'studypath-evaluation-waiters'`,
    );
    await dataSource.transaction((manager) =>
      repository.recordResult(submissionId, result, 'suite-hash', manager),
    );

    await expect(answer).resolves.toMatchObject({ state: 'completed' });
    // Woken by the announcement, by the reconnection or by a fallback read; never by its deadline.
    expect(await reasons()).not.toContain('timeout');
    await until(() => listener.isListening, 'the listener to listen again');
  });

  it('lets every waiter answer at once when the process stops', async () => {
    const stopping = new SubmissionFinishedListener({
      database: { kind: 'url', url: db.url, poolMax: 1 },
    } as AppConfig);
    stopping.onApplicationBootstrap();
    await until(() => stopping.isListening, 'the listener to listen');
    const user = `user-${randomUUID()}`;
    const submissionId = await running(user);
    const wakes = jest.spyOn(SubmissionSubscription.prototype, 'next');
    const queries = new SubmissionQueries(
      repository,
      stopping,
      new LongPollSlots({ maxWaiters: 10, maxWaitersPerUser: 5 }),
    );

    const answer = queries.get(user, submissionId, LONG_WAIT_MS);
    await until(() => wakes.mock.calls.length === 1, 'the request to wait');
    stopping.onModuleDestroy();

    await expect(answer).resolves.toMatchObject({ state: 'running' });
    expect(await wakes.mock.results[0]?.value).toBe('closing');
    await stopping.onApplicationShutdown();
  });
});
