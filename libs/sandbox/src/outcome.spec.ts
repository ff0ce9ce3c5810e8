import { describe, expect, it } from '@jest/globals';
import { parseExactJson } from '@studypath/contracts';
import type { RunRequest } from './code-runner';
import { resolveLimits } from './limits';
import {
  assembleResult,
  CHANNEL_TAMPERED,
  display,
  HIDDEN_CATEGORY,
  phasesOf,
  truncate,
  type ChannelLine,
  type Observation,
} from './outcome';
import { parseHarnessLine, type HarnessEvent, type TestErrorKind } from './protocol';

/*
 * Samples and hidden tests interleave, as a problem may order them: the samples are tests 1 and 3
 * (harness i 0 and 1), the hidden tests are tests 2 and 4 (harness i 0 and 1 of the hidden phase).
 */
const request: RunRequest = {
  language: 'python',
  code: '',
  signature: {
    params: [{ name: 'x', type: 'int' }],
    returns: 'int',
    python: { name: 'f', stub: '' },
    javascript: { name: 'f', stub: '' },
  },
  comparator: { kind: 'exact' },
  tests: [
    { args: [1], expected: 1, hidden: false },
    { args: [2], expected: 4, hidden: true },
    { args: [3], expected: 'x'.repeat(5000), hidden: false },
    { args: [5], expected: 25, hidden: true },
  ],
};
const limits = resolveLimits();

/** What a secret of a hidden test looks like if it leaks into the result. */
const SECRET = 'SECRET-INPUT-42';

function observed(lines: ChannelLine[], extra: Partial<Observation> = {}): Observation {
  return {
    lines,
    wallTimeout: false,
    outputExceeded: null,
    exitCode: 0,
    signal: null,
    elapsedMs: 50,
    stderrTail: '',
    spawnError: null,
    killed: false,
    usage: null,
    ...extra,
  };
}

const run = (lines: ChannelLine[], extra: Partial<Observation> = {}) =>
  assembleResult(request, limits, observed(lines, extra));

/** Lines read before the hidden tests' arguments were handed over. */
const early = (...events: HarnessEvent[]): ChannelLine[] =>
  events.map((event) => ({ event, hidden: false }));
/** Lines read after the hidden tests' arguments were handed over. */
const late = (...events: HarnessEvent[]): ChannelLine[] =>
  events.map((event) => ({ event, hidden: true }));
/** A line that is no valid harness event. */
const invalid = (hidden = false): ChannelLine[] => [{ event: null, hidden }];

const pass = (i: number, actual: unknown): HarnessEvent => ({
  t: 'test',
  i,
  ok: true,
  actual,
  wall_ms: 1.234,
});
const raise = (i: number, kind: TestErrorKind, message: string): HarnessEvent => ({
  t: 'test',
  i,
  ok: false,
  kind,
  message,
  wall_ms: 2.5,
});

const HELLO = early({ t: 'hello' });
const STARTED = early({ t: 'hello' }, { t: 'ready' });
const SAMPLES_PASS = early(pass(0, 1), pass(1, 'x'.repeat(5000)));
/** The harness's `next` is read before the hand-over it asks for. */
const NEXT = early({ t: 'next' });
const HIDDEN_PASS = late(pass(0, 4), pass(1, 25));
const DONE = late({ t: 'done' });
/** Everything up to the second hidden test (test 4) running. */
const IN_HIDDEN = [...STARTED, ...SAMPLES_PASS, ...NEXT, ...late(pass(0, 4))];

describe('assembleResult: a complete run', () => {
  it('passes when every test passes, with CPU time and memory rounded from the usage', () => {
    const { result, infrastructureDetail } = run(
      [...STARTED, ...SAMPLES_PASS, ...NEXT, ...HIDDEN_PASS, ...DONE],
      { usage: { cpuMs: 12.6, memoryKb: 9100.4 } },
    );
    expect(result).toMatchObject({
      status: 'passed',
      score: 1,
      passed: 4,
      total: 4,
      runtime_ms: 13,
      memory_kb: 9100,
      message: null,
    });
    expect(infrastructureDetail).toBeNull();
  });

  it('reports no time or memory when the usage was not measured', () => {
    const { result } = run([...STARTED, ...SAMPLES_PASS, ...NEXT, ...HIDDEN_PASS, ...DONE]);
    expect(result).toMatchObject({ status: 'passed', runtime_ms: null, memory_kb: null });
  });

  it('shows a sample test in full and a hidden test as a bare verdict', () => {
    const { result } = run([...STARTED, ...SAMPLES_PASS, ...NEXT, ...HIDDEN_PASS, ...DONE]);
    expect(result.tests[0]).toEqual({
      index: 0,
      hidden: false,
      status: 'pass',
      message: null,
      input: '[1]',
      actual: '1',
      expected: '1',
      time_ms: 1.23,
    });
    expect(result.tests[1]).toEqual({
      index: 1,
      hidden: true,
      status: 'pass',
      message: null,
      input: null,
      actual: null,
      expected: null,
      time_ms: null,
    });
  });

  it('judges the i-th line of each phase against the i-th test of that phase', () => {
    const { result } = run([
      ...STARTED,
      ...early(pass(0, 1), pass(1, 'wrong')),
      ...NEXT,
      ...late(pass(0, 4), pass(1, 24)),
      ...DONE,
    ]);
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'pass', 'fail', 'fail']);
    expect(result).toMatchObject({ status: 'failed', passed: 2, score: 0.5 });
  });

  it('truncates a long actual and expected value of a failed sample test', () => {
    const { result } = run([
      ...STARTED,
      ...early(pass(0, 1), pass(1, 'y'.repeat(5000))),
      ...NEXT,
      ...HIDDEN_PASS,
      ...DONE,
    ]);
    expect(result.tests[2]).toMatchObject({
      status: 'fail',
      message: 'wrong answer',
      actual: `"${'y'.repeat(1023)}… (5002 characters)`,
      expected: `"${'x'.repeat(1023)}… (5002 characters)`,
      time_ms: 1.23,
    });
    expect(result.message).toBe('3 of 4 tests passed; test 3: wrong answer');
  });

  it('names a failed hidden test by its number, with the fixed category only', () => {
    const { result } = run([
      ...STARTED,
      ...SAMPLES_PASS,
      ...NEXT,
      ...late(pass(0, 4), pass(1, { secret: SECRET })),
      ...DONE,
    ]);
    expect(result.tests[3]).toEqual({
      index: 3,
      hidden: true,
      status: 'fail',
      message: HIDDEN_CATEGORY.wrong,
      input: null,
      actual: null,
      expected: null,
      time_ms: null,
    });
    expect(result).toMatchObject({
      status: 'failed',
      message: '3 of 4 tests passed; hidden test 4: wrong answer',
    });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('compares integers beyond 2^53 digit for digit and shows them exactly', () => {
    const big = {
      ...request,
      tests: [{ args: [], expected: parseExactJson('9007199254740993'), hidden: false }],
    };
    const line = (digits: string) =>
      parseHarnessLine(`{"t":"test","i":0,"ok":true,"actual":${digits},"wall_ms":1}`);
    const judge = (digits: string) =>
      assembleResult(
        big,
        limits,
        observed([...STARTED, ...early(line(digits) as HarnessEvent, { t: 'next' }), ...DONE]),
      ).result.tests[0];
    expect(judge('9007199254740993')).toMatchObject({
      status: 'pass',
      actual: '9007199254740993',
    });
    expect(judge('9007199254740992')).toMatchObject({
      status: 'fail',
      actual: '9007199254740992',
      expected: '9007199254740993',
    });
  });

  it('scores a problem without tests 0, not NaN', () => {
    const { result } = assembleResult(
      { ...request, tests: [] },
      limits,
      observed([...STARTED, ...NEXT, ...DONE]),
    );
    expect(result).toMatchObject({ status: 'passed', score: 0, passed: 0, total: 0 });
  });
});

describe('assembleResult: exceptions', () => {
  it('shows the exception of a sample test and names that test in the run message', () => {
    const { result } = run([
      ...STARTED,
      ...early(raise(0, 'exception', 'ZeroDivisionError: division by zero (line 3)')),
      ...early(pass(1, 'x'.repeat(5000))),
      ...NEXT,
      ...HIDDEN_PASS,
      ...DONE,
    ]);
    expect(result.tests[0]).toMatchObject({
      status: 'error',
      message: 'ZeroDivisionError: division by zero (line 3)',
      actual: null,
      time_ms: 2.5,
    });
    expect(result).toMatchObject({
      status: 'error',
      passed: 3,
      message: 'test 1: ZeroDivisionError: division by zero (line 3)',
    });
  });

  it('truncates a long sample exception message', () => {
    const { result } = run([...STARTED, ...early(raise(0, 'exception', 'E'.repeat(2000)))]);
    expect(result.tests[0].message).toBe(`${'E'.repeat(1024)}… (2000 characters)`);
  });

  it('reports a hidden test’s exception or bad result as a runtime error, with none of its text', () => {
    for (const kind of ['exception', 'result'] as const) {
      const { result } = run([
        ...IN_HIDDEN,
        ...late(raise(1, kind, `ValueError: ${SECRET}`)),
        ...DONE,
      ]);
      expect(result.tests[3]).toMatchObject({
        status: 'error',
        message: HIDDEN_CATEGORY.error,
        actual: null,
        time_ms: null,
      });
      expect(result).toMatchObject({ status: 'error', message: 'hidden test 4: runtime error' });
      expect(JSON.stringify(result)).not.toContain('SECRET');
      expect(JSON.stringify(result)).not.toContain('42');
    }
  });
});

describe('assembleResult: tampering with the result channel', () => {
  it('an invalid line after hello is tampering, not an infrastructure error', () => {
    const { result, infrastructureDetail } = run([
      ...HELLO,
      ...invalid(),
      ...early({ t: 'ready' }, pass(0, 1)),
    ]);
    expect(result).toMatchObject({ status: 'error', message: CHANNEL_TAMPERED, passed: 0 });
    expect(result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run', 'not_run']);
    expect(infrastructureDetail).toBeNull();
  });

  it('an invalid line during a sample test fails that test and uses nothing after it', () => {
    const { result } = run([
      ...STARTED,
      ...early(pass(0, 1)),
      ...invalid(),
      ...early(pass(1, 'x'.repeat(5000))),
    ]);
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'not_run', 'error', 'not_run']);
    expect(result.tests[2].message).toBe(CHANNEL_TAMPERED);
    expect(result).toMatchObject({ status: 'error', message: `test 3: ${CHANNEL_TAMPERED}` });
  });

  it('a duplicate test line is tampering', () => {
    const { result } = run([
      ...STARTED,
      ...early(pass(0, 1), pass(0, 1), pass(1, 'x'.repeat(5000))),
    ]);
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'not_run', 'error', 'not_run']);
    expect(result).toMatchObject({ status: 'error', passed: 1 });
    expect(result.message).toBe(`test 3: ${CHANNEL_TAMPERED}`);
  });

  it('a test line out of order is tampering and blames the test that was due', () => {
    const { result } = run([...STARTED, ...early(pass(1, 'x'.repeat(5000)), pass(0, 1))]);
    expect(result.tests.map((t) => t.status)).toEqual(['error', 'not_run', 'not_run', 'not_run']);
    expect(result).toMatchObject({
      status: 'error',
      passed: 0,
      message: `test 1: ${CHANNEL_TAMPERED}`,
    });
  });

  it('a result beyond the last hidden test is tampering', () => {
    const { result } = run([...IN_HIDDEN, ...late(pass(1, 25), pass(2, 36)), ...DONE]);
    expect(result).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error, passed: 4 });
  });

  it('a sample-test line read after the hand-over is tampering', () => {
    // The hidden arguments are in the sandbox: a sample's result could carry them.
    const { result } = run([
      ...STARTED,
      ...early(pass(0, 1)),
      ...late(pass(1, { copy: 'of a hidden input' }), { t: 'next' }),
    ]);
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'not_run', 'error', 'not_run']);
    expect(result.tests[2]).toMatchObject({ actual: null, message: CHANNEL_TAMPERED });
    expect(result).toMatchObject({ status: 'error', message: `test 3: ${CHANNEL_TAMPERED}` });
    expect(JSON.stringify(result)).not.toContain('hidden input');
  });

  it('a load error read after the hand-over is tampering, and its text is not shown', () => {
    const beforeReady = run([
      ...HELLO,
      ...late({ t: 'load_error', kind: 'syntax', message: `SyntaxError: ${SECRET}` }),
    ]).result;
    // Read after the hand-over, so worded as the hidden phase: only the fixed category.
    expect(beforeReady).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
    expect(JSON.stringify(beforeReady)).not.toContain(SECRET);
    const inHidden = run([
      ...STARTED,
      ...SAMPLES_PASS,
      ...NEXT,
      ...late({ t: 'load_error', kind: 'load', message: `NameError: ${SECRET}` }),
    ]).result;
    expect(inHidden).toMatchObject({ status: 'error', message: 'hidden test 2: runtime error' });
    expect(inHidden.tests[1]).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
    expect(JSON.stringify(inHidden)).not.toContain(SECRET);
  });

  it('a done line before every hidden test reported is tampering of the running test', () => {
    const { result } = run([...IN_HIDDEN, ...DONE], { usage: { cpuMs: 3, memoryKb: 9000 } });
    expect(result.status).toBe('error');
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'pass', 'pass', 'error']);
    expect(result.message).toBe('hidden test 4: runtime error');
  });

  it('a line after done is tampering, in the hidden wording, and is not used', () => {
    const { result } = run([
      ...STARTED,
      ...SAMPLES_PASS,
      ...NEXT,
      ...HIDDEN_PASS,
      ...DONE,
      ...late({ t: 'fatal', kind: 'memory', message: SECRET }),
    ]);
    expect(result).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('a forged next before ready is tampering, worded as a hidden-phase error', () => {
    // The runner hands the hidden arguments over on the first `next` it reads, valid or not.
    const { result } = run([...HELLO, ...NEXT, ...late({ t: 'ready' }, pass(0, 1), pass(1, 'x'))]);
    expect(result).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error, passed: 0 });
    expect(result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run', 'not_run']);
  });

  it('a forged next during the samples blames the running sample test, not a hidden one', () => {
    const { result } = run([...STARTED, ...early(pass(0, 1)), ...NEXT, ...late(pass(0, 4))]);
    expect(result.status).toBe('error');
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'not_run', 'error', 'not_run']);
    expect(result.message).toMatch(/^test 3: /);
  });

  it('any event out of its place after hello is tampering', () => {
    const loadError: HarnessEvent = { t: 'load_error', kind: 'syntax', message: 'x' };
    const misplaced: [ChannelLine[], string][] = [
      [[...HELLO, ...early({ t: 'hello' })], CHANNEL_TAMPERED],
      [[...STARTED, ...early({ t: 'ready' })], `test 1: ${CHANNEL_TAMPERED}`],
      [[...HELLO, ...early(pass(0, 1))], CHANNEL_TAMPERED],
      [[...STARTED, ...early(loadError)], `test 1: ${CHANNEL_TAMPERED}`],
      [[...HELLO, ...early(loadError, { t: 'ready' })], CHANNEL_TAMPERED],
      [[...HELLO, ...early({ t: 'done' })], CHANNEL_TAMPERED],
      [
        [...HELLO, ...early({ t: 'fatal', kind: 'harness', message: 'x' }, { t: 'ready' })],
        CHANNEL_TAMPERED,
      ],
    ];
    for (const [lines, message] of misplaced) {
      expect(run(lines).result).toMatchObject({ status: 'error', message });
    }
  });
});

describe('assembleResult: the harness or the sandbox failing', () => {
  it('a sandbox that cannot start is an infrastructure error, never the user’s', () => {
    const { result, infrastructureDetail } = run([], {
      spawnError: 'spawn bwrap ENOENT',
      exitCode: null,
    });
    expect(result).toMatchObject({
      status: 'infrastructure_error',
      message: 'the sandbox failed to start',
      runtime_ms: null,
      memory_kb: null,
    });
    expect(infrastructureDetail).toBe('spawn bwrap ENOENT');
  });

  it('no greeting is an infrastructure error, with the exit and stderr as its detail', () => {
    const broken = run([], { exitCode: 1, stderrTail: '  bwrap: Creating new namespace failed\n' });
    expect(broken.result).toMatchObject({
      status: 'infrastructure_error',
      message: 'the sandbox failed to start',
    });
    expect(broken.infrastructureDetail).toBe(
      'no harness greeting (exit code 1): bwrap: Creating new namespace failed',
    );
    expect(run([], { exitCode: null, signal: 'SIGSYS' }).infrastructureDetail).toBe(
      'no harness greeting (signal SIGSYS): no stderr',
    );
    expect(run([], { wallTimeout: true, signal: 'SIGKILL' }).infrastructureDetail).toBe(
      'no harness greeting (the wall-clock limit): no stderr',
    );
  });

  it('an invalid first line is no greeting: an infrastructure error', () => {
    const { result, infrastructureDetail } = run([...invalid(), ...HELLO]);
    expect(result.status).toBe('infrastructure_error');
    expect(infrastructureDetail).toBe('no harness greeting (exit code 0): no stderr');
    expect(run([...early({ t: 'ready' }), ...HELLO]).result.status).toBe('infrastructure_error');
  });

  it('a fatal harness line before hello is no greeting: an infrastructure error', () => {
    const { result, infrastructureDetail } = run(
      [...early({ t: 'fatal', kind: 'harness', message: 'cannot read the tests' })],
      { exitCode: 1, stderrTail: 'Traceback: cannot read the tests' },
    );
    expect(result.status).toBe('infrastructure_error');
    expect(infrastructureDetail).toBe(
      'no harness greeting (exit code 1): Traceback: cannot read the tests',
    );
  });

  it('a fatal harness line after hello is the submission breaking the harness', () => {
    const loading = run([...HELLO, ...early({ t: 'fatal', kind: 'harness', message: 'OSError' })], {
      exitCode: 1,
    });
    expect(loading.result).toMatchObject({
      status: 'error',
      message: 'the program broke the test harness: OSError',
    });
    expect(loading.infrastructureDetail).toBeNull();
    expect(loading.result.tests.map((t) => t.status)).toEqual([
      'not_run',
      'not_run',
      'not_run',
      'not_run',
    ]);
    const testing = run(
      [
        ...STARTED,
        ...early(pass(0, 1), { t: 'fatal', kind: 'harness', message: 'stdout was closed' }),
      ],
      { exitCode: 1 },
    );
    expect(testing.result.tests[2]).toMatchObject({
      status: 'error',
      message: 'the program broke the test harness: stdout was closed',
    });
    expect(testing.result).toMatchObject({
      status: 'error',
      message: 'test 3: the program broke the test harness: stdout was closed',
    });
    expect(testing.infrastructureDetail).toBeNull();
  });

  it('a fatal harness line in the hidden phase shows none of its text', () => {
    const { result, infrastructureDetail } = run(
      [...IN_HIDDEN, ...late({ t: 'fatal', kind: 'harness', message: SECRET })],
      { exitCode: 1 },
    );
    expect(result).toMatchObject({ status: 'error', message: 'hidden test 4: runtime error' });
    expect(result.tests[3]).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
    expect(infrastructureDetail).toBeNull();
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});

describe('assembleResult: why a run stopped early', () => {
  it('an early exit is an error of the running sample test, naming the exit code', () => {
    const { result } = run([...STARTED, ...early(pass(0, 1))], { exitCode: 42 });
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'not_run', 'error', 'not_run']);
    expect(result.tests[2].message).toBe(
      'the program exited before finishing the tests (exit code 42)',
    );
    expect(result).toMatchObject({
      status: 'error',
      message: 'test 3: the program exited before finishing the tests (exit code 42)',
    });
  });

  it('an exit in the hidden phase mentions no exit code or signal', () => {
    const exit42 = run(IN_HIDDEN, { exitCode: 42 }).result;
    expect(exit42).toMatchObject({ status: 'error', message: 'hidden test 4: runtime error' });
    expect(exit42.tests[3]).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
    expect(JSON.stringify(exit42)).not.toContain('42');
    const signalled = run(IN_HIDDEN, { exitCode: null, signal: 'SIGSEGV' }).result;
    expect(JSON.stringify(signalled)).not.toContain('SIGSEGV');
    const afterLast = run([...IN_HIDDEN, ...late(pass(1, 25))], { exitCode: 42 }).result;
    expect(afterLast).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
    expect(JSON.stringify(afterLast)).not.toContain('42');
  });

  it('an exit while loading marks no test', () => {
    const { result } = run(HELLO, { exitCode: 1 });
    expect(result).toMatchObject({
      status: 'error',
      message: 'the program exited before finishing the tests (exit code 1)',
    });
    expect(result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run', 'not_run']);
  });

  it('names the test that raised before the program died, not the one it died in', () => {
    const { result } = run(
      [...STARTED, ...early(raise(0, 'exception', 'IndexError: list index out of range'))],
      { signal: 'SIGSEGV', exitCode: null },
    );
    expect(result.tests.map((t) => t.status)).toEqual(['error', 'not_run', 'error', 'not_run']);
    expect(result.tests[2].message).toBe(
      'the program exited before finishing the tests (signal SIGSEGV)',
    );
    expect(result.message).toBe('test 1: IndexError: list index out of range');
  });

  it('a load failure is a syntax error with the harness’s message', () => {
    expect(
      run([...HELLO, ...early({ t: 'load_error', kind: 'syntax', message: 'SyntaxError: x' })])
        .result,
    ).toMatchObject({ status: 'syntax_error', message: 'SyntaxError: x', passed: 0 });
    expect(
      run([...HELLO, ...early({ t: 'load_error', kind: 'missing', message: 'M'.repeat(2000) })])
        .result.message,
    ).toBe(`${'M'.repeat(1024)}… (2000 characters)`);
  });

  it('a wall-clock timeout keeps the finished tests and marks the running one', () => {
    const { result } = run([...STARTED, ...early(pass(0, 1))], {
      wallTimeout: true,
      signal: 'SIGKILL',
      exitCode: null,
    });
    expect(result.status).toBe('timeout');
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'not_run', 'timeout', 'not_run']);
    expect(result.tests[2].message).toBe('time limit exceeded (10000 ms wall clock)');
    expect(result.message).toBe('test 3: time limit exceeded (10000 ms wall clock)');
    expect(result.score).toBe(0.25);
  });

  it('a timeout while loading marks no test', () => {
    const { result } = run(HELLO, { wallTimeout: true, signal: 'SIGKILL', exitCode: null });
    expect(result).toMatchObject({
      status: 'timeout',
      message: 'time limit exceeded (10000 ms wall clock)',
    });
    expect(result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run', 'not_run']);
  });

  it('a timeout in the hidden phase is the fixed category', () => {
    const { result } = run(IN_HIDDEN, { wallTimeout: true, signal: 'SIGKILL', exitCode: null });
    expect(result).toMatchObject({
      status: 'timeout',
      message: 'hidden test 4: time limit exceeded',
    });
    expect(result.tests[3]).toMatchObject({ status: 'timeout', message: HIDDEN_CATEGORY.timeout });
  });

  it('SIGXCPU, or a kill at the CPU limit, is a timeout; a kill before it is not', () => {
    const xcpu = run(STARTED, { signal: 'SIGXCPU', exitCode: 152 }).result;
    expect(xcpu).toMatchObject({
      status: 'timeout',
      message: 'test 1: time limit exceeded (5 s of CPU)',
    });
    expect(xcpu.tests[0].status).toBe('timeout');
    const atLimit = run([...STARTED, ...early(pass(0, 1))], {
      signal: 'SIGKILL',
      exitCode: null,
      elapsedMs: 5000,
    }).result;
    expect(atLimit).toMatchObject({
      status: 'timeout',
      message: 'test 3: time limit exceeded (5 s of CPU)',
    });
    const beforeLimit = run([...STARTED, ...early(pass(0, 1))], {
      signal: 'SIGKILL',
      exitCode: null,
      elapsedMs: 4999,
    }).result;
    expect(beforeLimit).toMatchObject({
      status: 'error',
      message: 'test 3: the program exited before finishing the tests (signal SIGKILL)',
    });
    const hidden = run(IN_HIDDEN, { signal: 'SIGXCPU', exitCode: 152 }).result;
    expect(hidden).toMatchObject({
      status: 'timeout',
      message: 'hidden test 4: time limit exceeded',
    });
  });

  it('too much output is an error of the running test', () => {
    const output = run([...STARTED, ...early(pass(0, 1))], {
      outputExceeded: 'output',
      signal: 'SIGKILL',
      exitCode: null,
    }).result;
    expect(output).toMatchObject({
      status: 'error',
      message: 'test 3: output limit exceeded (more than 1024 KB written)',
    });
    expect(output.tests[2]).toMatchObject({
      status: 'error',
      message: 'output limit exceeded (more than 1024 KB written)',
    });
    const tooLarge = run(STARTED, { outputExceeded: 'result', signal: 'SIGKILL' }).result;
    expect(tooLarge).toMatchObject({
      status: 'error',
      message: 'test 1: output limit exceeded (the result is too large)',
    });
    const loading = run(HELLO, { outputExceeded: 'output', signal: 'SIGKILL' }).result;
    expect(loading).toMatchObject({
      status: 'error',
      message: 'output limit exceeded (more than 1024 KB written)',
    });
    expect(loading.tests.map((t) => t.status)).toEqual([
      'not_run',
      'not_run',
      'not_run',
      'not_run',
    ]);
    const hidden = run(IN_HIDDEN, { outputExceeded: 'output', signal: 'SIGKILL' }).result;
    expect(hidden).toMatchObject({
      status: 'error',
      message: 'hidden test 4: output limit exceeded',
    });
    expect(hidden.tests[3].message).toBe(HIDDEN_CATEGORY.output);
  });
});

describe('assembleResult: memory', () => {
  it('a sample test out of memory is a memory limit naming the limit', () => {
    const { result } = run(
      [...STARTED, ...early(raise(0, 'memory', 'MemoryError: the memory limit was exceeded'))],
      { exitCode: 0 },
    );
    expect(result).toMatchObject({
      status: 'memory_limit',
      message: 'test 1: memory limit exceeded (256 MB)',
    });
    expect(result.tests[0]).toMatchObject({
      status: 'error',
      message: 'memory limit exceeded (256 MB)',
      time_ms: 2.5,
    });
  });

  it('a hidden test out of memory is a memory limit in the fixed category', () => {
    const { result } = run([
      ...STARTED,
      ...SAMPLES_PASS,
      ...NEXT,
      ...late(raise(0, 'memory', `MemoryError ${SECRET}`)),
    ]);
    expect(result).toMatchObject({
      status: 'memory_limit',
      message: 'hidden test 2: memory limit exceeded',
    });
    expect(result.tests[1]).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.memory });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('the test that ran out of memory is named, even when another raised before it', () => {
    const { result } = run(
      [
        ...STARTED,
        ...early(raise(0, 'exception', 'ValueError: x'), raise(1, 'memory', 'MemoryError')),
      ],
      { exitCode: 1 },
    );
    expect(result).toMatchObject({
      status: 'memory_limit',
      message: 'test 3: memory limit exceeded (256 MB)',
    });
    expect(result.tests.map((t) => t.status)).toEqual(['error', 'not_run', 'error', 'not_run']);
  });

  it('a fatal memory line is a memory limit of the running test', () => {
    const visible = run([...STARTED, ...early({ t: 'fatal', kind: 'memory', message: 'x' })], {
      exitCode: 1,
    }).result;
    expect(visible).toMatchObject({
      status: 'memory_limit',
      message: 'test 1: memory limit exceeded (256 MB)',
    });
    expect(visible.tests[0]).toMatchObject({
      status: 'error',
      message: 'memory limit exceeded (256 MB)',
    });
    const hidden = run([...IN_HIDDEN, ...late({ t: 'fatal', kind: 'memory', message: SECRET })], {
      exitCode: 1,
    }).result;
    expect(hidden).toMatchObject({
      status: 'memory_limit',
      message: 'hidden test 4: memory limit exceeded',
    });
    expect(JSON.stringify(hidden)).not.toContain(SECRET);
  });

  it('an out-of-memory message on stderr is a memory limit', () => {
    const heap = run(STARTED, {
      signal: 'SIGABRT',
      exitCode: 134,
      stderrTail:
        'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    }).result;
    expect(heap).toMatchObject({
      status: 'memory_limit',
      message: 'test 1: memory limit exceeded (256 MB)',
    });
    const loading = run(HELLO, { exitCode: 1, stderrTail: 'MemoryError' }).result;
    expect(loading).toMatchObject({
      status: 'memory_limit',
      message: 'memory limit exceeded (256 MB)',
    });
    expect(loading.tests.map((t) => t.status)).toEqual([
      'not_run',
      'not_run',
      'not_run',
      'not_run',
    ]);
    const hidden = run(IN_HIDDEN, { exitCode: 1, stderrTail: 'std::bad_alloc' }).result;
    expect(hidden).toMatchObject({
      status: 'memory_limit',
      message: 'hidden test 4: memory limit exceeded',
    });
  });

  it('a load error of memory is a memory limit', () => {
    const { result } = run([
      ...HELLO,
      ...early({ t: 'load_error', kind: 'memory', message: 'MemoryError while loading the code' }),
    ]);
    expect(result).toMatchObject({
      status: 'memory_limit',
      message: 'MemoryError while loading the code',
    });
  });
});

describe('phasesOf', () => {
  it('lists where each phase’s tests sit in the request, in order', () => {
    expect(phasesOf(request)).toEqual({ visible: [0, 2], hidden: [1, 3] });
  });
});

describe('truncate and display', () => {
  it('keeps text up to the limit and cuts what is longer, saying how long it was', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('abc… (4 characters)');
    expect(truncate('x'.repeat(1024))).toBe('x'.repeat(1024));
  });

  it('shows a value as JSON, and what JSON cannot express as null', () => {
    expect(display([1, 'a'])).toBe('[1,"a"]');
    expect(display(undefined)).toBe('null');
    expect(display(() => 1)).toBe('null');
  });
});
