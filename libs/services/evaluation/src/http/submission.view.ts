import { isFinished } from '../domain/submission-state';
import type { SubmissionRow } from '../projections/task-evaluations.repository';
import { ownerViewOfTest } from '../domain/test-view';
import type { SubmissionResponse } from './submission.dto';

/** A submission as its owner sees it: the evaluation once finished, hidden tests by index only. */
export function submissionView(row: SubmissionRow): SubmissionResponse {
  return {
    submission_id: row.submission_id,
    task_id: row.task_id,
    status: row.state,
    language: row.language,
    attempt: row.attempt,
    evaluation: isFinished(row.state)
      ? {
          status: row.status ?? 'infrastructure_error',
          score: row.score ?? 0,
          passed_tests: row.passed_tests ?? 0,
          total_tests: row.total_tests ?? 0,
          runtime_ms: row.runtime_ms,
          memory_kb: row.memory_kb,
          failing_tests: (row.failing_tests ?? []).map((t) => ownerViewOfTest(t)),
          message: row.message,
          test_suite_hash: row.test_suite_hash,
        }
      : null,
    queued_at: new Date(row.queued_at).toISOString(),
    finished_at: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}
