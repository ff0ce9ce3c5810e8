import { createHash } from 'node:crypto';
import {
  MAX_FAILING_TEST_REPORTS,
  MAX_TEST_REPORT_TEXT,
  type EvaluationEvent,
  type EventData,
  type TaskSubmitted,
} from '@studypath/contracts';
import { assertNever } from '@studypath/decider';
import type { RunResult, TestOutcome } from '@studypath/sandbox';
import { ownerViewOfTest } from './test-view';

/*
 * How a submission's evaluation ends:
 * - it ran: the sandbox reached the learner's code, whatever the code then did (passed, failed,
 *   timed out, ...). That is `evaluation.completed`, and it counts as an attempt.
 * - it could not run: the problem bank does not know the problem, the sandbox could not be set up
 *   (`infrastructure_error`, which the runner only reports before user code runs), or the
 *   submission crashed its worker MAX_WORKER_TRIES times, or it was still not evaluated after the
 *   sweeper's re-drives (stuck-submission.ts). That is `evaluation.failed`, free for the learner,
 *   except that the sandbox's failures on one code are capped (infrastructure-failure-cap.ts).
 */

/** A submission whose evaluation crashed its worker this many times is given up (never the user's fault). */
export const MAX_WORKER_TRIES = 3;

export type Submission = EventData<typeof TaskSubmitted>;

/** Why an evaluation could not run. */
export type FailureCause =
  /** the runner reported `infrastructure_error` */
  | 'sandbox_failed'
  /** the submission stopped its worker MAX_WORKER_TRIES times */
  | 'worker_stopped'
  /** the problem bank does not know the problem */
  | 'problem_unknown'
  /** not evaluated within its time budget, re-driven by the sweeper and still not (stuck-submission.ts) */
  | 'stalled';

export type EvaluationOutcome =
  | { kind: 'ran'; result: RunResult; suiteHash: string }
  | { kind: 'could_not_run'; cause: FailureCause; reason: string };

export type CouldNotRun = Extract<EvaluationOutcome, { kind: 'could_not_run' }>;

/** The longest reason `evaluation.failed` carries (its schema's limit). */
const MAX_REASON_LENGTH = 2000;

export function couldNotRun(cause: FailureCause, reason: string): CouldNotRun {
  return { kind: 'could_not_run', cause, reason };
}

/** What a sandbox run means: a runner that failed before the code ran produced no result. */
export function outcomeOfRun(result: RunResult, suiteHash: string): EvaluationOutcome {
  return result.status === 'infrastructure_error'
    ? couldNotRun('sandbox_failed', result.message ?? 'the sandbox failed')
    : { kind: 'ran', result, suiteHash };
}

/**
 * The outcome of a submission a worker has now taken `tries` times, when it must not run again;
 * undefined while it may.
 */
export function givenUpAfter(tries: number): EvaluationOutcome | undefined {
  return tries > MAX_WORKER_TRIES
    ? couldNotRun('worker_stopped', `the evaluation stopped its worker ${MAX_WORKER_TRIES} times`)
    : undefined;
}

/** The fact the evaluation service publishes when a submission's evaluation ends. */
export function evaluationEventOf(
  submission: Submission,
  outcome: EvaluationOutcome,
): EvaluationEvent {
  const ids = {
    submission_id: submission.submission_id,
    task_id: submission.task_id,
    path_id: submission.path_id,
  };
  switch (outcome.kind) {
    case 'ran': {
      const { result } = outcome;
      return {
        event_type: 'evaluation.completed',
        data: {
          ...ids,
          status: result.status,
          score: result.score,
          passed_tests: result.passed,
          total_tests: result.total,
          runtime_ms: result.runtime_ms,
          memory_kb: result.memory_kb,
          test_suite_hash: outcome.suiteHash,
          failing_tests: failingTestReports(result.tests),
        },
      };
    }
    case 'could_not_run':
      return {
        event_type: 'evaluation.failed',
        data: { ...ids, reason: outcome.reason.slice(0, MAX_REASON_LENGTH) },
      };
    default:
      return assertNever(outcome, 'outcome');
  }
}

type FailingTestReports = NonNullable<
  Extract<EvaluationEvent, { event_type: 'evaluation.completed' }>['data']['failing_tests']
>;

/**
 * The tests a run did not pass as their owner sees them (hidden ones by index and category only),
 * the first MAX_FAILING_TEST_REPORTS by index, each text cut to the event's limit: what the tutor
 * explains a failure with.
 */
export function failingTestReports(tests: readonly TestOutcome[]): FailingTestReports {
  const cut = (text: string | null) => (text === null ? null : text.slice(0, MAX_TEST_REPORT_TEXT));
  return tests
    .filter(
      (test): test is TestOutcome & { status: Exclude<TestOutcome['status'], 'pass'> } =>
        test.status !== 'pass',
    )
    .sort((a, b) => a.index - b.index)
    .slice(0, MAX_FAILING_TEST_REPORTS)
    .map((test) => {
      const view = ownerViewOfTest(test);
      return {
        index: view.index,
        hidden: view.hidden,
        status: test.status,
        message: cut(view.message),
        input: cut(view.input),
        expected: cut(view.expected),
        actual: cut(view.actual),
      };
    });
}

/** One line for the log: what became of the submission. */
export function outcomeSummary(outcome: EvaluationOutcome): string {
  switch (outcome.kind) {
    case 'ran':
      return `${outcome.result.status} ${outcome.result.passed}/${outcome.result.total}`;
    case 'could_not_run':
      return `failed to run (${outcome.reason})`;
    default:
      return assertNever(outcome, 'outcome');
  }
}

/** A stable hash of a test suite, so a result stays explainable after the tests change. */
export function testSuiteHash(tests: unknown): string {
  return createHash('sha256').update(JSON.stringify(tests)).digest('hex').slice(0, 32);
}
