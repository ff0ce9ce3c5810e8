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
  async claim(event: EnvelopeOf<typeof TaskSubmitted>): Promise<number | undefined> {
    const submission = event.data;
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
        codeHashOf(submission.code),
        submission.attempt,
        event.occurred_at,
      ],
    )) as { worker_tries: number }[];
    return rows[0]?.worker_tries;
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

  /** By primary key, owner-scoped: another user's submission is simply not found. */
  async findForOwner(userId: string, submissionId: string): Promise<SubmissionRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${SUBMISSION_COLUMNS} FROM evaluation.task_evaluations WHERE submission_id = $1 AND user_id = $2`,
      [submissionId, userId],
    )) as SubmissionRow[];
    return rows[0];
  }
}
