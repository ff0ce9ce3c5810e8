import { eventCatalog } from '@studypath/contracts';
import {
  couldNotRun,
  evaluationEventOf,
  givenUpAfter,
  MAX_WORKER_TRIES,
  outcomeOfRun,
  outcomeSummary,
  type EvaluationOutcome,
  type Submission,
} from './evaluation-outcome';
import {
  capWindowStart,
  chargedRun,
  CHARGED_FAILURE_MESSAGE,
  countsTowardCap,
  isOverCap,
  MAX_FREE_INFRASTRUCTURE_FAILURES,
} from './infrastructure-failure-cap';

const submission: Submission = {
  submission_id: '11111111-1111-4111-8111-111111111111',
  task_id: '0d3c6a51-9a7e-4f0e-b1a2-3c4d5e6f7a8b',
  path_id: '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01',
  problem_id: 'graph-courier-reach',
  language: 'python',
  code: 'def f():\n    pass\n',
  attempt: 2,
};
const suiteHash = 'a'.repeat(32);
const sandboxFailed = outcomeOfRun(
  {
    status: 'infrastructure_error',
    score: 0,
    passed: 0,
    total: 3,
    runtime_ms: null,
    memory_kb: null,
    tests: [],
    message: 'bwrap: Permission denied',
  },
  suiteHash,
);
const workerStopped = givenUpAfter(MAX_WORKER_TRIES + 1) as EvaluationOutcome;
const problemUnknown = couldNotRun('problem_unknown', 'the problem bank does not know problem x');

/** Given the counted failures of one code in the window, when it fails again: what it becomes. */
const failingAgain = (earlierFailures: number, failure: EvaluationOutcome): EvaluationOutcome =>
  countsTowardCap(failure) && isOverCap(earlierFailures) ? chargedRun(3, suiteHash) : failure;

describe('countsTowardCap', () => {
  it("counts the sandbox's failures and the worker it stopped, not an unknown problem or a run", () => {
    expect(countsTowardCap(sandboxFailed)).toBe(true);
    expect(countsTowardCap(workerStopped)).toBe(true);
    expect(countsTowardCap(problemUnknown)).toBe(false);
    expect(countsTowardCap(chargedRun(3, suiteHash))).toBe(false);
  });
});

describe('isOverCap', () => {
  it(`leaves the first ${MAX_FREE_INFRASTRUCTURE_FAILURES} failures of a code free and charges the next`, () => {
    for (let earlier = 0; earlier < MAX_FREE_INFRASTRUCTURE_FAILURES; earlier++) {
      expect(failingAgain(earlier, sandboxFailed)).toBe(sandboxFailed);
      expect(failingAgain(earlier, workerStopped)).toBe(workerStopped);
    }
    expect(failingAgain(MAX_FREE_INFRASTRUCTURE_FAILURES, sandboxFailed)).toEqual(
      chargedRun(3, suiteHash),
    );
    expect(failingAgain(MAX_FREE_INFRASTRUCTURE_FAILURES, workerStopped)).toEqual(
      chargedRun(3, suiteHash),
    );
    // More than the cap when failures of one code ran at the same time: still charged.
    expect(isOverCap(MAX_FREE_INFRASTRUCTURE_FAILURES + 2)).toBe(true);
  });

  it('never charges an unknown problem, however often the code failed', () => {
    expect(failingAgain(MAX_FREE_INFRASTRUCTURE_FAILURES * 10, problemUnknown)).toBe(
      problemUnknown,
    );
  });
});

describe('capWindowStart', () => {
  it('counts the failures of the last 24 hours', () => {
    expect(capWindowStart(new Date('2026-03-02T10:00:00.000Z'))).toEqual(
      new Date('2026-03-01T10:00:00.000Z'),
    );
  });
});

describe('chargedRun', () => {
  it('is an error that scored nothing, ran none of the tests and says why it counts', () => {
    expect(chargedRun(3, suiteHash)).toEqual({
      kind: 'ran',
      suiteHash,
      result: {
        status: 'error',
        score: 0,
        passed: 0,
        total: 3,
        runtime_ms: null,
        memory_kb: null,
        tests: [0, 1, 2].map((index) => ({
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
      },
    });
    expect(CHARGED_FAILURE_MESSAGE).toBe(
      'the sandbox failed on this code 3 times within 24 hours; this run counts as an attempt',
    );
  });

  it('is reported as evaluation.completed, an attempt', () => {
    const charged = chargedRun(3, suiteHash);
    const event = evaluationEventOf(submission, charged);
    expect(event).toEqual({
      event_type: 'evaluation.completed',
      data: {
        submission_id: submission.submission_id,
        task_id: submission.task_id,
        path_id: submission.path_id,
        status: 'error',
        score: 0,
        passed_tests: 0,
        total_tests: 3,
        runtime_ms: null,
        memory_kb: null,
        test_suite_hash: suiteHash,
        failing_tests: [0, 1, 2].map((index) => ({
          index,
          hidden: true,
          status: 'not_run',
          message: null,
          input: null,
          expected: null,
          actual: null,
        })),
      },
    });
    expect(() => eventCatalog.validate(event.event_type, event.data)).not.toThrow();
    expect(outcomeSummary(charged)).toBe('error 0/3');
  });
});
