import { eventCatalog } from '@studypath/contracts';
import type { RunResult } from '@studypath/sandbox';
import {
  couldNotRun,
  evaluationEventOf,
  givenUpAfter,
  MAX_WORKER_TRIES,
  outcomeOfRun,
  outcomeSummary,
  testSuiteHash,
  type Submission,
} from './evaluation-outcome';

const submission: Submission = {
  submission_id: '11111111-1111-4111-8111-111111111111',
  task_id: '0d3c6a51-9a7e-4f0e-b1a2-3c4d5e6f7a8b',
  path_id: '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01',
  problem_id: 'graph-courier-reach',
  language: 'python',
  code: 'def f():\n    pass\n',
  attempt: 1,
};
const ids = {
  submission_id: submission.submission_id,
  task_id: submission.task_id,
  path_id: submission.path_id,
};
const run = (overrides: Partial<RunResult>): RunResult => ({
  status: 'failed',
  score: 0.5,
  passed: 1,
  total: 2,
  runtime_ms: 12,
  memory_kb: 9000,
  tests: [],
  message: null,
  ...overrides,
});
const suiteHash = 'a'.repeat(32);

describe('outcomeOfRun', () => {
  it.each(['passed', 'failed', 'error', 'timeout', 'memory_limit', 'syntax_error'] as const)(
    'counts a run that reached the code (%s) as a result',
    (status) => {
      const result = run({ status });
      expect(outcomeOfRun(result, suiteHash)).toEqual({ kind: 'ran', result, suiteHash });
    },
  );

  it('turns a sandbox that failed before the code ran into an evaluation that could not run', () => {
    const failed = run({ status: 'infrastructure_error', message: 'bwrap: Permission denied' });
    expect(outcomeOfRun(failed, suiteHash)).toEqual(
      couldNotRun('sandbox_failed', 'bwrap: Permission denied'),
    );
    expect(outcomeOfRun({ ...failed, message: null }, suiteHash)).toEqual(
      couldNotRun('sandbox_failed', 'the sandbox failed'),
    );
  });
});

describe('givenUpAfter', () => {
  it(`lets a worker take a submission ${MAX_WORKER_TRIES} times, then gives it up`, () => {
    for (let tries = 1; tries <= MAX_WORKER_TRIES; tries++)
      expect(givenUpAfter(tries)).toBeUndefined();
    expect(givenUpAfter(MAX_WORKER_TRIES + 1)).toEqual(
      couldNotRun('worker_stopped', `the evaluation stopped its worker ${MAX_WORKER_TRIES} times`),
    );
  });
});

describe('evaluationEventOf', () => {
  it('reports a run as evaluation.completed, with the hash of the suite it ran', () => {
    const event = evaluationEventOf(submission, outcomeOfRun(run({}), suiteHash));
    expect(event).toEqual({
      event_type: 'evaluation.completed',
      data: {
        ...ids,
        status: 'failed',
        score: 0.5,
        passed_tests: 1,
        total_tests: 2,
        runtime_ms: 12,
        memory_kb: 9000,
        test_suite_hash: suiteHash,
        failing_tests: [],
      },
    });
    expect(() => eventCatalog.validate(event.event_type, event.data)).not.toThrow();
  });

  it('reports the failing tests as their owner sees them: samples whole, hidden ones by category only', () => {
    const sample = {
      hidden: false,
      input: '[[1, 2], 3]',
      expected: '[0, 1]',
      time_ms: 3,
    };
    const event = evaluationEventOf(
      submission,
      outcomeOfRun(
        run({
          tests: [
            { ...sample, index: 2, status: 'pass', message: null, actual: '[0, 1]' },
            { ...sample, index: 1, status: 'fail', message: 'wrong', actual: 'x'.repeat(5000) },
            {
              index: 7,
              hidden: true,
              status: 'error',
              message: 'IndexError at secret input 42',
              input: '[[9, 9]]',
              expected: '[1]',
              actual: null,
              time_ms: 1,
            },
            ...Array.from({ length: 60 }, (_, i) => ({
              index: 10 + i,
              hidden: true,
              status: 'timeout' as const,
              message: 'time limit exceeded',
              input: null,
              expected: null,
              actual: null,
              time_ms: null,
            })),
          ],
        }),
        suiteHash,
      ),
    );
    if (event.event_type !== 'evaluation.completed') throw new Error(event.event_type);
    const reports = event.data.failing_tests ?? [];
    expect(reports).toHaveLength(50);
    expect(reports[0]).toEqual({
      index: 1,
      hidden: false,
      status: 'fail',
      message: 'wrong',
      input: '[[1, 2], 3]',
      expected: '[0, 1]',
      actual: 'x'.repeat(2000),
    });
    // A hidden test: no input, no values, and a message from the fixed categories only.
    expect(reports[1]).toEqual({
      index: 7,
      hidden: true,
      status: 'error',
      message: 'runtime error',
      input: null,
      expected: null,
      actual: null,
    });
    expect(reports.at(-1)?.index).toBe(57);
    expect(() => eventCatalog.validate(event.event_type, event.data)).not.toThrow();
  });

  it('reports an evaluation that could not run as evaluation.failed, its reason cut to fit', () => {
    const event = evaluationEventOf(submission, couldNotRun('sandbox_failed', 'x'.repeat(5000)));
    expect(event).toEqual({
      event_type: 'evaluation.failed',
      data: { ...ids, reason: 'x'.repeat(2000) },
    });
    expect(() => eventCatalog.validate(event.event_type, event.data)).not.toThrow();
  });
});

describe('outcomeSummary', () => {
  it('says how a run went, or why it could not run', () => {
    expect(outcomeSummary(outcomeOfRun(run({}), suiteHash))).toBe('failed 1/2');
    expect(outcomeSummary(couldNotRun('sandbox_failed', 'no sandbox'))).toBe(
      'failed to run (no sandbox)',
    );
  });
});

describe('testSuiteHash', () => {
  it('is stable for a suite and changes with it', () => {
    const tests = [{ args: [1], expected: 2 }];
    expect(testSuiteHash(tests)).toMatch(/^[0-9a-f]{32}$/);
    expect(testSuiteHash(structuredClone(tests))).toBe(testSuiteHash(tests));
    expect(testSuiteHash([{ args: [1], expected: 3 }])).not.toBe(testSuiteHash(tests));
  });
});
