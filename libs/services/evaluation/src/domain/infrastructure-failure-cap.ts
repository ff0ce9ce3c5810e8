import type { RunResult } from '@studypath/sandbox';
import type { CouldNotRun, EvaluationOutcome, FailureCause } from './evaluation-outcome';

/*
 * An evaluation that could not run is free for the learner, so a runner that keeps failing on one
 * code would be unlimited free runs. The cap: once the sandbox has failed on a code
 * MAX_FREE_INFRASTRUCTURE_FAILURES times within FREE_FAILURE_WINDOW_HOURS, a further failure of
 * that code is charged as an `error` run of none of the tests (`evaluation.completed`, an attempt).
 * - A code is its hash and language, across all users: the risk is an exploit that is shared.
 * - Counted, and charged over the cap: the runner's `infrastructure_error`, and a submission that
 *   stopped its worker MAX_WORKER_TRIES times (a runner bug that kills the worker is the same hole).
 *   Not counted: a problem the bank does not know, which says nothing about the code.
 * - A charged run is not a failure any more, so the window holds at most the free ones: a code
 *   has MAX_FREE_INFRASTRUCTURE_FAILURES free failures per rolling window.
 * - 24 hours: resubmitting the same code through a study session does not get past it, and an
 *   outage or a runner bug fixed since stops costing anything a day later.
 * - Failures of one code that run at the same time may each see the count below the cap: at most
 *   one more free failure per worker running concurrently.
 */

export const MAX_FREE_INFRASTRUCTURE_FAILURES = 3;
export const FREE_FAILURE_WINDOW_HOURS = 24;

/** The causes the cap counts. */
export const CAPPED_CAUSES: readonly FailureCause[] = ['sandbox_failed', 'worker_stopped'];

/** What a charged run tells the learner. */
export const CHARGED_FAILURE_MESSAGE = `the sandbox failed on this code ${MAX_FREE_INFRASTRUCTURE_FAILURES} times within ${FREE_FAILURE_WINDOW_HOURS} hours; this run counts as an attempt`;

/** Whether the cap counts this outcome: the sandbox (or the worker running it) failed on the code. */
export function countsTowardCap(outcome: EvaluationOutcome): outcome is CouldNotRun {
  return outcome.kind === 'could_not_run' && CAPPED_CAUSES.includes(outcome.cause);
}

/** The earliest a failure counts toward the cap on a failure at `now`. */
export function capWindowStart(now: Date): Date {
  return new Date(now.getTime() - FREE_FAILURE_WINDOW_HOURS * 60 * 60 * 1000);
}

/** Whether a failure is charged, given the counted failures of the same code in its window. */
export function isOverCap(earlierFailures: number): boolean {
  return earlierFailures >= MAX_FREE_INFRASTRUCTURE_FAILURES;
}

/**
 * A failure over the cap, charged: an `error` run of the suite (its `total` tests and its hash)
 * that ran none of them, so it reports nothing about any test.
 */
export function chargedRun(total: number, suiteHash: string): EvaluationOutcome {
  const result: RunResult = {
    status: 'error',
    score: 0,
    passed: 0,
    total,
    runtime_ms: null,
    memory_kb: null,
    // The evaluation service only runs hidden tests.
    tests: Array.from({ length: total }, (_, index) => ({
      index,
      hidden: true,
      status: 'not_run',
      message: null,
      input: null,
      actual: null,
      expected: null,
      time_ms: null,
    })),
    message: CHARGED_FAILURE_MESSAGE,
  };
  return { kind: 'ran', result, suiteHash };
}
