import { createHash } from 'node:crypto';
import { Controller, Logger } from '@nestjs/common';
import { TaskSubmitted, type EnvelopeOf, type EventData } from '@studypath/contracts';
import {
  InjectEventStore,
  InjectInbox,
  type Inbox,
  type PostgresEventStore,
} from '@studypath/event-store';
import { HandleEvents } from '@studypath/messaging';
import { InjectDataSource } from '@studypath/platform';
import { ProblemBank } from '@studypath/problem-bank';
import { CodeRunner, type RunResult } from '@studypath/sandbox';
import type { DataSource, EntityManager } from 'typeorm';

export const EVALUATION_CONSUMER_GROUP = 'evaluation';
/** A submission whose evaluation crashed its worker this many times is given up (never the user's fault). */
export const MAX_WORKER_TRIES = 3;

type Submission = EventData<typeof TaskSubmitted>;
type SubmittedEvent = EnvelopeOf<typeof TaskSubmitted>;

/** A stable hash of a test suite, so a result stays explainable after the tests change. */
export function testSuiteHash(tests: unknown): string {
  return createHash('sha256').update(JSON.stringify(tests)).digest('hex').slice(0, 32);
}

/**
 * Runs each submission against its problem's hidden tests. Handling `task.submitted` is the worker
 * pool: the consumer handles up to EVALUATION_CONCURRENCY partitions at once, one submission each.
 * The row is claimed before running (so a crash mid-run is seen as a retry), and the result, the
 * inbox record and `evaluation.completed` (or `evaluation.failed`) commit together.
 */
@Controller()
export class EvaluationWorker {
  private readonly logger = new Logger('Evaluation');

  constructor(
    @InjectDataSource('evaluation') private readonly dataSource: DataSource,
    @InjectEventStore('evaluation') private readonly store: PostgresEventStore,
    @InjectInbox('evaluation') private readonly inbox: Inbox,
    private readonly problems: ProblemBank,
    private readonly runner: CodeRunner,
  ) {}

  @HandleEvents(EVALUATION_CONSUMER_GROUP, [TaskSubmitted], {
    // The worker pool: one submission per partition, this many partitions at once (per replica).
    partitionConcurrency: (config) => config.evaluation.concurrency,
  })
  async onSubmitted(event: SubmittedEvent): Promise<void> {
    if (await this.inbox.hasHandled(EVALUATION_CONSUMER_GROUP, event.event_id)) return;
    const submission = event.data;
    const tries = await this.claim(submission, event);
    if (tries === undefined) return; // finished already
    if (tries > MAX_WORKER_TRIES) {
      await this.finish(
        event,
        submission,
        undefined,
        `the evaluation stopped its worker ${MAX_WORKER_TRIES} times`,
      );
      return;
    }
    const started = Date.now();
    let result: RunResult | undefined;
    let suiteHash: string | undefined;
    let failure: string | undefined;
    try {
      const suite = await this.problems.getHiddenTests(submission.problem_id);
      if (!suite) {
        failure = `the problem bank does not know problem ${submission.problem_id}`;
      } else {
        suiteHash = testSuiteHash(suite.tests);
        result = await this.runner.run({
          language: submission.language,
          code: submission.code,
          signature: suite.signature,
          comparator: suite.comparator,
          tests: suite.tests.map((t) => ({ args: t.args, expected: t.expected, hidden: true })),
        });
        if (result.status === 'infrastructure_error')
          failure = result.message ?? 'the sandbox failed';
      }
    } catch (error) {
      // The problem bank or the sandbox failed: let the bus retry the message (then the DLQ).
      this.logger.warn(`submission ${submission.submission_id}: ${String(error)}`);
      throw error;
    }
    await this.finish(event, submission, failure ? undefined : result, failure, suiteHash);
    this.logger.log(
      `submission ${submission.submission_id}: ${failure ? `failed to run (${failure})` : `${result?.status} ${result?.passed}/${result?.total}`} in ${Date.now() - started} ms`,
    );
  }

  /**
   * Records the submission (once) and marks it running; returns how often a worker has taken it,
   * or undefined when it is finished already.
   */
  private async claim(submission: Submission, event: SubmittedEvent): Promise<number | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO evaluation.task_evaluations
         (submission_id, task_id, path_id, user_id, problem_id, language, code, code_hash, attempt, state, worker_tries, queued_at, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'running', 1, $10, now())
       ON CONFLICT (submission_id) DO UPDATE
         SET worker_tries = evaluation.task_evaluations.worker_tries + 1, state = 'running', started_at = now()
         WHERE evaluation.task_evaluations.state IN ('queued', 'running')
       RETURNING worker_tries`,
      [
        submission.submission_id,
        submission.task_id,
        submission.path_id,
        event.user_id,
        submission.problem_id,
        submission.language,
        submission.code,
        createHash('sha256').update(submission.code).digest('hex'),
        submission.attempt,
        event.occurred_at,
      ],
    )) as { worker_tries: number }[];
    return rows[0]?.worker_tries;
  }

  private async finish(
    event: SubmittedEvent,
    submission: Submission,
    result: RunResult | undefined,
    failure: string | undefined,
    suiteHash?: string,
  ): Promise<void> {
    await this.inbox.handleOnce(
      EVALUATION_CONSUMER_GROUP,
      event.event_id,
      async (manager: EntityManager) => {
        const ids = {
          submission_id: submission.submission_id,
          task_id: submission.task_id,
          path_id: submission.path_id,
        };
        const meta = {
          expectedVersion: 'any' as const,
          streamType: 'evaluation',
          userId: event.user_id,
          correlationId: event.correlation_id,
          causationId: event.event_id,
          traceparent: event.traceparent ?? undefined,
          manager,
        };
        if (!result || failure) {
          await manager.query(
            `UPDATE evaluation.task_evaluations SET state = 'failed', status = 'infrastructure_error', message = $2, finished_at = now()
            WHERE submission_id = $1`,
            [submission.submission_id, failure ?? 'the evaluation could not run'],
          );
          await this.store.append(
            `evaluation-${submission.submission_id}`,
            [
              {
                event_type: 'evaluation.failed',
                data: {
                  ...ids,
                  reason: (failure ?? 'the evaluation could not run').slice(0, 2000),
                },
              },
            ],
            meta,
          );
          return;
        }
        await manager.query(
          `UPDATE evaluation.task_evaluations
            SET state = 'completed', status = $2, score = $3, passed_tests = $4, total_tests = $5, runtime_ms = $6,
                memory_kb = $7, tests = $8, message = $9, test_suite_hash = $10, finished_at = now()
          WHERE submission_id = $1`,
          [
            submission.submission_id,
            result.status,
            result.score,
            result.passed,
            result.total,
            result.runtime_ms,
            result.memory_kb,
            JSON.stringify(result.tests),
            result.message,
            suiteHash,
          ],
        );
        await this.store.append(
          `evaluation-${submission.submission_id}`,
          [
            {
              event_type: 'evaluation.completed',
              data: {
                ...ids,
                status: result.status,
                score: result.score,
                passed_tests: result.passed,
                total_tests: result.total,
                runtime_ms: result.runtime_ms,
                memory_kb: result.memory_kb,
                test_suite_hash: suiteHash ?? 'unknown',
              },
            },
          ],
          meta,
        );
      },
    );
  }
}
