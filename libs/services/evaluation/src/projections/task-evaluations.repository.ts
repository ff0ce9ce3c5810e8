import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EnvelopeOf, TaskSubmitted } from '@studypath/contracts';
import { InjectDataSource } from '@studypath/platform';
import type { RunResult, RunStatus, TestOutcome } from '@studypath/sandbox';
import type { DataSource, EntityManager } from 'typeorm';
import type { CouldNotRun, Submission } from '../domain/evaluation-outcome';
import { CAPPED_CAUSES } from '../domain/infrastructure-failure-cap';
import type { SubmissionState } from '../domain/submission-state';

/** A submission and its evaluation, as its owner reads them. */
export interface SubmissionRow {
  submission_id: string;
  task_id: string;
  state: SubmissionState;
  language: Submission['language'];
  attempt: number;
  status: RunStatus | null;
  score: number | null;
  passed_tests: number | null;
  total_tests: number | null;
  runtime_ms: number | null;
  memory_kb: number | null;
  /** The tests that did not pass, in suite order. */
  failing_tests: TestOutcome[] | null;
  message: string | null;
  test_suite_hash: string | null;
  queued_at: Date;
  finished_at: Date | null;
}

/** What the API shows of a submission, and only that: of the tests, those that did not pass. */
const SUBMISSION_COLUMNS = `submission_id, task_id, state, language, attempt, status, score, passed_tests,
  total_tests, runtime_ms, memory_kb,
  jsonb_path_query_array(tests, '$[*] ? (@.status != "pass")') AS failing_tests,
  message, test_suite_hash, queued_at, finished_at`;

const codeHashOf = (code: string): string => createHash('sha256').update(code).digest('hex');

/**
 * The PostgreSQL channel on which a submission's id is announced when its evaluation is recorded
 * (SubmissionFinishedListener wakes the requests waiting for it). NOTIFY inside the recording
 * transaction is delivered on commit only, so a woken reader always sees the result.
 */
export const SUBMISSION_FINISHED_CHANNEL = 'evaluation_submission_finished';

/** The only place that reads or writes `evaluation.task_evaluations`: one row per submission. */
@Injectable()
export class TaskEvaluationsRepository {
  constructor(@InjectDataSource('evaluation') private readonly dataSource: DataSource) {}

  /**
   * Records the submission (once) and marks it running; returns how often a worker has taken it,
   * or undefined when it is finished already. Claiming before running is what makes a worker that
   * crashed mid-run show up as one more try.
   */
  async claim(event: SubmissionDelivery): Promise<number | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO evaluation.task_evaluations
         (submission_id, task_id, path_id, user_id, problem_id, language, code, code_hash, attempt, state, worker_tries,
          queued_at, started_at, event_id, correlation_id, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'running', 1, $10, now(), $11, $12, $13)
       ON CONFLICT (submission_id) DO UPDATE
         SET worker_tries = evaluation.task_evaluations.worker_tries + 1, state = 'running', started_at = now(),
             event_id = coalesce(evaluation.task_evaluations.event_id, EXCLUDED.event_id),
             correlation_id = coalesce(evaluation.task_evaluations.correlation_id, EXCLUDED.correlation_id),
             traceparent = coalesce(evaluation.task_evaluations.traceparent, EXCLUDED.traceparent)
         WHERE evaluation.task_evaluations.state IN ('queued', 'running')
       RETURNING worker_tries`,
      [...submissionValues(event), event.event_id, event.correlation_id, event.traceparent ?? null],
    )) as { worker_tries: number }[];
    return rows[0]?.worker_tries;
  }

  /**
   * Gives back a claim whose run failed for a reason outside the submission (a dependency away):
   * the try does not count as a crashed worker, and the submission waits for its next delivery.
   */
  async release(submissionId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE evaluation.task_evaluations SET state = 'queued', worker_tries = greatest(worker_tries - 1, 0)
        WHERE submission_id = $1 AND state = 'running'`,
      [submissionId],
    );
  }

  async recordResult(
    submissionId: string,
    result: RunResult,
    suiteHash: string,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE evaluation.task_evaluations
          SET state = 'completed', status = $2, score = $3, passed_tests = $4, total_tests = $5, runtime_ms = $6,
              memory_kb = $7, tests = $8, message = $9, test_suite_hash = $10, finished_at = now()
        WHERE submission_id = $1`,
      [
        submissionId,
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
    await this.announceFinished(submissionId, manager);
  }

  /** An evaluation that could not run is an infrastructure error: free for the learner. */
  async recordFailure(
    submissionId: string,
    failure: CouldNotRun,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE evaluation.task_evaluations
          SET state = 'failed', status = 'infrastructure_error', failure_cause = $2, message = $3,
              finished_at = now()
        WHERE submission_id = $1`,
      [submissionId, failure.cause, failure.reason],
    );
    await this.announceFinished(submissionId, manager);
  }

  private async announceFinished(submissionId: string, manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [SUBMISSION_FINISHED_CHANNEL, submissionId]);
  }

  /**
   * The failures of the same code (hash and language, any user) since `since` that the cap counts
   * (CAPPED_CAUSES), from the partial index `task_evaluations_failures_by_code`.
   */
  async countCappedFailures(
    code: Pick<Submission, 'code' | 'language'>,
    since: Date,
  ): Promise<number> {
    const rows = (await this.dataSource.query(
      `SELECT count(*)::int AS failures FROM evaluation.task_evaluations
        WHERE code_hash = $1 AND language = $2 AND state = 'failed' AND finished_at >= $3
          AND failure_cause = ANY($4)`,
      [codeHashOf(code.code), code.language, since, CAPPED_CAUSES],
    )) as { failures: number }[];
    return rows[0]?.failures ?? 0;
  }

  /**
   * Records a submission whose `task.submitted` was dead-lettered before any worker took it, as
   * queued, so that the sweeper finds it. Nothing changes for one already recorded.
   */
  async recordDeadLettered(event: SubmissionDelivery): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO evaluation.task_evaluations
         (submission_id, task_id, path_id, user_id, problem_id, language, code, code_hash, attempt, state, worker_tries,
          queued_at, event_id, correlation_id, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $11, $12, $13)
       ON CONFLICT (submission_id) DO NOTHING
       RETURNING 1`,
      [...submissionValues(event), event.event_id, event.correlation_id, event.traceparent ?? null],
    )) as unknown[];
    return rows.length === 1;
  }

  /**
   * Takes the stuck submissions (domain/stuck-submission.ts) for a re-drive, oldest first: counts
   * the re-drive and restarts their clock, so the next sweep leaves them alone for a budget.
   * In the sweeper's transaction, which holds its lock.
   */
  async takeStuck(before: Date, limit: number, manager: EntityManager): Promise<StuckSubmission[]> {
    const [rows] = (await manager.query(
      `UPDATE evaluation.task_evaluations SET redrives = redrives + 1, redriven_at = now()
        WHERE submission_id IN (
          SELECT submission_id FROM evaluation.task_evaluations
           WHERE state IN ('queued', 'running') AND queued_at < $1
             AND (redriven_at IS NULL OR redriven_at < $1)
             AND (state = 'queued' OR started_at IS NULL OR started_at < $1)
           ORDER BY queued_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING submission_id, task_id, path_id, user_id, problem_id, language, code, attempt,
                  queued_at, event_id, correlation_id, traceparent, redrives`,
      [before, limit],
    )) as [StuckRow[], number];
    return rows.map((row) => ({
      redrives: row.redrives,
      delivery: {
        event_id: row.event_id,
        user_id: row.user_id,
        occurred_at: new Date(row.queued_at).toISOString(),
        correlation_id: row.correlation_id ?? row.submission_id,
        traceparent: row.traceparent,
        data: {
          submission_id: row.submission_id,
          task_id: row.task_id,
          path_id: row.path_id,
          problem_id: row.problem_id,
          language: row.language,
          code: row.code,
          attempt: row.attempt,
        },
      },
    }));
  }

  /** By primary key, owner-scoped: another user's submission is simply not found. */
  async findForOwner(userId: string, submissionId: string): Promise<SubmissionRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${SUBMISSION_COLUMNS} FROM evaluation.task_evaluations WHERE submission_id = $1 AND user_id = $2`,
      [submissionId, userId],
    )) as SubmissionRow[];
    return rows[0];
  }
}

/** What a worker needs of a `task.submitted` to evaluate it (all of it but its stream position). */
export type SubmissionDelivery = Pick<
  EnvelopeOf<typeof TaskSubmitted>,
  'event_id' | 'user_id' | 'occurred_at' | 'correlation_id' | 'traceparent' | 'data'
>;

/**
 * A submission the sweeper took: how often it has now been re-driven, and its delivery as its
 * consumer got it. `event_id` is null for a row recorded before deliveries were kept: it cannot be
 * re-driven under its inbox key.
 */
export interface StuckSubmission {
  redrives: number;
  delivery: Omit<SubmissionDelivery, 'event_id'> & { event_id: string | null };
}

interface StuckRow extends Pick<
  Submission,
  'submission_id' | 'task_id' | 'path_id' | 'problem_id' | 'language' | 'code' | 'attempt'
> {
  user_id: string;
  queued_at: Date;
  event_id: string | null;
  correlation_id: string | null;
  traceparent: string | null;
  redrives: number;
}

/** The first ten columns of a submission's row, from its delivery. */
function submissionValues(event: SubmissionDelivery): unknown[] {
  const submission = event.data;
  return [
    submission.submission_id,
    submission.task_id,
    submission.path_id,
    event.user_id,
    submission.problem_id,
    submission.language,
    submission.code,
    codeHashOf(submission.code),
    submission.attempt,
    event.occurred_at,
  ];
}
