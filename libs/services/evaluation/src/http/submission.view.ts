import { isFinished } from '../domain/submission-state';
import type { SubmissionRow } from '../projections/task-evaluations.repository';
import { HIDDEN_CATEGORY, type TestOutcome } from '@studypath/sandbox';
import type { SubmissionResponse, TestSummary } from './submission.dto';

/**
 * A test as its owner sees it. The sandbox already keeps a hidden test to its index and category;
 * this keeps it so for rows written before it did, too.
 */
function testSummary(test: TestOutcome): TestSummary {
  const hidden = test.hidden !== false;
  return {
    index: test.index,
    hidden,
    status: test.status,
    message: hidden ? hiddenCategory(test) : test.message,
    input: hidden ? null : (test.input ?? null),
    expected: hidden ? null : test.expected,
    actual: hidden ? null : test.actual,
    time_ms: hidden ? null : test.time_ms,
  };
}

function hiddenCategory(test: TestOutcome): string | null {
  const known: readonly (string | null)[] = Object.values(HIDDEN_CATEGORY);
  if (known.includes(test.message)) return test.message;
  switch (test.status) {
    case 'fail':
      return HIDDEN_CATEGORY.wrong;
    case 'error':
      return HIDDEN_CATEGORY.error;
    case 'timeout':
      return HIDDEN_CATEGORY.timeout;
    case 'pass':
    case 'not_run':
      return null;
  }
}

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
          failing_tests: (row.failing_tests ?? []).map((t) => testSummary(t)),
          message: row.message,
          test_suite_hash: row.test_suite_hash,
        }
      : null,
    queued_at: new Date(row.queued_at).toISOString(),
    finished_at: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}
