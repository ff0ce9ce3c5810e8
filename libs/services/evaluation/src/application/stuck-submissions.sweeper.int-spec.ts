import { randomUUID } from 'node:crypto';
import type { EnvelopeOf, TaskSubmitted } from '@studypath/contracts';
import { Inbox, PostgresEventStore } from '@studypath/event-store';
import { ProcessMetrics } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import { CodeRunner, type RunRequest, type RunResult } from '@studypath/sandbox';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { MAX_WORKER_TRIES } from '../domain/evaluation-outcome';
import { EvaluationDatabase, EvaluationEventStore } from '../evaluation.database';
import { TaskEvaluationsRepository } from '../projections/task-evaluations.repository';
import { EvaluateSubmission } from './evaluate-submission.usecase';
import { StuckSubmissionsSweeper } from './stuck-submissions.sweeper';
import type { SweeperConfig } from './sweeper.config';

/** A runner that fails as an unreachable external runner does until `healthy`, then passes. */
class FlakyRunner extends CodeRunner {
  runs = 0;
  healthy = false;
  describeIsolation() {
    return { isolated: true, mechanism: 'test', warnings: [] };
  }
  async run(request: RunRequest): Promise<RunResult> {
    this.runs += 1;
    if (!this.healthy) {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), {
        code: 'ECONNREFUSED',
      });
    }
    return {
      status: 'passed',
      score: 1,
      passed: request.tests.length,
      total: request.tests.length,
      runtime_ms: 3,
      memory_kb: 9000,
      tests: [],
      message: null,
    };
  }
}

const catalog = new BundledCatalog();
const problemId = catalog.all()[0]?.id ?? 'no-problem-in-the-catalog';
const config: SweeperConfig = {
  intervalMs: 60_000,
  stuckAfterMs: 180_000,
  maxRedrives: 2,
  batch: 20,
};
/** `rounds` budgets from now: the sweeper is asked as if that much time had passed. */
const later = (rounds: number): Date =>
  new Date(Date.now() + rounds * (config.stuckAfterMs + 1_000));

function submitted(): EnvelopeOf<typeof TaskSubmitted> {
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
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: {
      task_id: randomUUID(),
      path_id: randomUUID(),
      submission_id: randomUUID(),
      problem_id: problemId,
      language: 'python',
      code: `def f():\n    return ${Math.random()}\n`,
      attempt: 1,
    },
  };
}

describe('StuckSubmissionsSweeper (real PostgreSQL)', () => {
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

  function service(runner: CodeRunner): {
    evaluate: EvaluateSubmission;
    sweeper: StuckSubmissionsSweeper;
  } {
    const repository = new TaskEvaluationsRepository(dataSource);
    const evaluate = new EvaluateSubmission(
      repository,
      store,
      new Inbox(dataSource, 'evaluation'),
      catalog,
      runner,
      new ProcessMetrics(),
    );
    return {
      evaluate,
      sweeper: new StuckSubmissionsSweeper(dataSource, repository, evaluate, config),
    };
  }

  const row = async (submissionId: string) =>
    (
      (await dataSource.query(
        `SELECT state, worker_tries, redrives, failure_cause, message, event_id
           FROM evaluation.task_evaluations WHERE submission_id = $1`,
        [submissionId],
      )) as Record<string, unknown>[]
    )[0];
  const eventsOf = async (submissionId: string) =>
    (await store.readStream(`evaluation-${submissionId}`)).map((e) => ({
      type: e.event_type,
      data: e.data as Record<string, unknown>,
      causation: e.causation_id,
    }));

  it('does not count a run that failed on a dependency as a crashed worker, however often it is retried', async () => {
    const runner = new FlakyRunner();
    const { evaluate } = service(runner);
    const event = submitted();

    for (let i = 0; i < MAX_WORKER_TRIES + 5; i++) {
      await expect(evaluate.execute(event)).rejects.toThrow(/ECONNREFUSED/);
    }
    expect(await row(event.data.submission_id)).toMatchObject({ state: 'queued', worker_tries: 0 });

    runner.healthy = true;
    await evaluate.execute(event);
    expect(await eventsOf(event.data.submission_id)).toEqual([
      expect.objectContaining({ type: 'evaluation.completed' }),
    ]);
  });

  it('re-drives a stuck submission once its budget is over, with one effect however late its message comes', async () => {
    const runner = new FlakyRunner();
    const { evaluate, sweeper } = service(runner);
    const event = submitted();
    await expect(evaluate.execute(event)).rejects.toThrow(/ECONNREFUSED/);

    expect(await sweeper.runOnce(new Date())).toEqual({ redriven: 0, givenUp: 0, failed: 0 });
    runner.healthy = true;
    expect(await sweeper.runOnce(later(1))).toMatchObject({ redriven: 1, givenUp: 0 });

    expect(await row(event.data.submission_id)).toMatchObject({ state: 'completed', redrives: 1 });
    await evaluate.execute(event); // the message, delivered at last
    expect(runner.runs).toBe(2);
    expect(await eventsOf(event.data.submission_id)).toEqual([
      expect.objectContaining({ type: 'evaluation.completed', causation: event.event_id }),
    ]);
  });

  it('gives a submission up visibly after its re-drives, free for the learner and not held against the code', async () => {
    const runner = new FlakyRunner();
    const { evaluate, sweeper } = service(runner);
    const event = submitted();
    await expect(evaluate.execute(event)).rejects.toThrow(/ECONNREFUSED/);

    expect(await sweeper.runOnce(later(1))).toMatchObject({ failed: 1 }); // re-drive 1 fails too
    expect(await sweeper.runOnce(later(2))).toMatchObject({ failed: 1 }); // and re-drive 2
    expect(await sweeper.runOnce(later(3))).toEqual({ redriven: 0, givenUp: 1, failed: 0 });

    expect(await row(event.data.submission_id)).toMatchObject({
      state: 'failed',
      failure_cause: 'stalled',
      redrives: 3,
      message: expect.stringMatching(/could not be evaluated: still unfinished after 2 re-run/),
    });
    const repository = new TaskEvaluationsRepository(dataSource);
    expect(await repository.countCappedFailures(event.data, new Date(0))).toBe(0);
    runner.healthy = true;
    await evaluate.execute(event); // a late delivery: given up stays given up
    expect(await eventsOf(event.data.submission_id)).toEqual([
      {
        type: 'evaluation.failed',
        causation: event.event_id,
        data: expect.objectContaining({
          submission_id: event.data.submission_id,
          task_id: event.data.task_id,
          reason: expect.stringMatching(/could not be evaluated/),
        }),
      },
    ]);
    expect(await sweeper.runOnce(later(4))).toEqual({ redriven: 0, givenUp: 0, failed: 0 });
  });

  it('adopts a submission whose task.submitted was dead-lettered before any worker recorded it', async () => {
    const runner = new FlakyRunner();
    runner.healthy = true;
    const { sweeper } = service(runner);
    const event = submitted();

    await sweeper.adoptDeadLettered(event, 'a bug, since fixed');
    await sweeper.adoptDeadLettered(event, 'replayed'); // twice: still one row
    expect(await row(event.data.submission_id)).toMatchObject({
      state: 'queued',
      worker_tries: 0,
      event_id: event.event_id,
    });

    expect(await sweeper.runOnce(later(1))).toMatchObject({ redriven: 1 });
    expect(await eventsOf(event.data.submission_id)).toEqual([
      expect.objectContaining({ type: 'evaluation.completed', causation: event.event_id }),
    ]);
  });

  it('leaves a submission a worker is running alone, and sweeps on one replica at a time', async () => {
    const runner = new FlakyRunner();
    runner.healthy = true;
    const { evaluate, sweeper } = service(runner);
    const running = submitted();
    const repository = new TaskEvaluationsRepository(dataSource);
    await repository.claim(running); // taken by a worker now: it is not stuck
    const stuck = submitted();
    await sweeper.adoptDeadLettered(stuck, 'poison');

    // Another replica sweeping holds the lock for the length of its transaction.
    const other = dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        'studypath.evaluation.sweeper',
      ]);
      expect(await sweeper.runOnce(later(1))).toEqual({ redriven: 0, givenUp: 0, failed: 0 });
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }

    const report = await sweeper.runOnce(new Date(Date.now() + config.stuckAfterMs / 2));
    expect(report.redriven).toBe(0);
    expect(await row(running.data.submission_id)).toMatchObject({ state: 'running', redrives: 0 });
    await sweeper.runOnce(later(1));
    expect(await row(stuck.data.submission_id)).toMatchObject({ state: 'completed' });
    await evaluate.execute(running);
  });
});
