import { describe, expect, it } from '@jest/globals';
import type { RunRequest } from './code-runner';
import { resolveLimits } from './limits';
import { assembleResult, display, truncate, type HarnessEvent, type Observation } from './outcome';

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
    { args: [2], expected: 'x'.repeat(5000), hidden: false },
    { args: [3], expected: 3, hidden: true },
  ],
};
const limits = resolveLimits();

function observed(events: HarnessEvent[], extra: Partial<Observation> = {}): Observation {
  return {
    events,
    wallTimeout: false,
    outputExceeded: null,
    exitCode: 0,
    signal: null,
    elapsedMs: 50,
    stderrTail: '',
    spawnError: null,
    ...extra,
  };
}

const test = (i: number, rest: Record<string, unknown>): HarnessEvent =>
  ({ t: 'test', i, wall_ms: 1.234, total_cpu_ms: i + 1, maxrss_kb: 9000, ...rest }) as HarnessEvent;

describe('assembleResult', () => {
  it('judges every test, truncates what it shows and hides hidden values', () => {
    const { result } = assembleResult(
      request,
      limits,
      observed([
        { t: 'hello' },
        { t: 'ready' },
        test(0, { ok: true, actual: 1 }),
        test(1, { ok: true, actual: 'y'.repeat(5000) }),
        test(2, { ok: true, actual: 4 }),
        { t: 'done', total_cpu_ms: 3.5, maxrss_kb: 9100 },
      ]),
    );
    expect(result).toMatchObject({ status: 'failed', passed: 1, total: 3, runtime_ms: 3.5 });
    expect(result.memory_kb).toBe(9100);
    expect(result.tests[0]).toEqual({
      index: 0,
      hidden: false,
      status: 'pass',
      message: null,
      actual: '1',
      expected: '1',
      time_ms: 1.23,
    });
    expect(result.tests[1].actual?.length).toBeLessThan(1100);
    expect(result.tests[1].expected).toMatch(/… \(5002 characters\)$/);
    expect(result.tests[2]).toMatchObject({
      status: 'fail',
      actual: null,
      expected: null,
      message: 'wrong answer on a hidden test',
    });
    expect(result.message).toBe('1 of 3 tests passed; test 2: wrong answer');
  });

  it('ignores lines out of order (a submission cannot add or reorder results)', () => {
    const { result } = assembleResult(
      request,
      limits,
      observed([
        { t: 'hello' },
        { t: 'ready' },
        test(1, { ok: true, actual: 'x'.repeat(5000) }),
        test(0, { ok: true, actual: 1 }),
      ]),
    );
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'error', 'not_run']);
    expect(result.status).toBe('error');
  });

  it('a wall timeout keeps the finished tests and marks the running one', () => {
    const { result } = assembleResult(
      request,
      limits,
      observed([{ t: 'hello' }, { t: 'ready' }, test(0, { ok: true, actual: 1 })], {
        wallTimeout: true,
        signal: 'SIGKILL',
        exitCode: null,
      }),
    );
    expect(result.status).toBe('timeout');
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'timeout', 'not_run']);
    expect(result.message).toBe('test 2: time limit exceeded (10000 ms wall clock)');
    expect(result.score).toBeCloseTo(1 / 3);
  });

  it('SIGXCPU is a timeout too', () => {
    const { result } = assembleResult(
      request,
      limits,
      observed([{ t: 'hello' }, { t: 'ready' }], { signal: 'SIGXCPU', exitCode: 152 }),
    );
    expect(result.status).toBe('timeout');
    expect(result.tests[0].status).toBe('timeout');
  });

  it('a V8 heap overflow is a memory limit', () => {
    const { result } = assembleResult(
      request,
      limits,
      observed([{ t: 'hello' }, { t: 'ready' }], {
        signal: 'SIGABRT',
        exitCode: 134,
        stderrTail:
          'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      }),
    );
    expect(result.status).toBe('memory_limit');
    expect(result.tests[0]).toMatchObject({
      status: 'error',
      message: 'memory limit exceeded (256 MB)',
    });
    expect(result.message).toBe('test 1: memory limit exceeded (256 MB)');
  });

  it('a load failure is a syntax error; no harness at all is the sandbox failing', () => {
    expect(
      assembleResult(
        request,
        limits,
        observed([{ t: 'hello' }, { t: 'load_error', kind: 'syntax', message: 'SyntaxError: x' }]),
      ).result,
    ).toMatchObject({ status: 'syntax_error', message: 'SyntaxError: x', passed: 0 });
    const broken = assembleResult(
      request,
      limits,
      observed([], { exitCode: 1, stderrTail: '  bwrap: Creating new namespace failed\n' }),
    );
    expect(broken.result).toMatchObject({
      status: 'infrastructure_error',
      message: 'the sandbox failed to start',
    });
    expect(broken.infrastructureDetail).toBe(
      'no harness output (exit code 1): bwrap: Creating new namespace failed',
    );
    expect(
      assembleResult(request, limits, observed([], { exitCode: null, signal: 'SIGSYS' }))
        .infrastructureDetail,
    ).toBe('no harness output (signal SIGSYS): no stderr');
  });

  it('an early exit is an error of the running test', () => {
    const { result } = assembleResult(
      request,
      limits,
      observed([{ t: 'hello' }, { t: 'ready' }, test(0, { ok: true, actual: 1 })], { exitCode: 3 }),
    );
    expect(result.status).toBe('error');
    expect(result.tests[1]).toMatchObject({
      status: 'error',
      message: 'the program exited before finishing the tests (exit code 3)',
    });
    expect(result.tests[2].status).toBe('not_run');
    expect(result.message).toBe('the program exited before finishing the tests (exit code 3)');
  });
});

const started: HarnessEvent[] = [{ t: 'hello' }, { t: 'ready' }];
const run = (events: HarnessEvent[], extra: Partial<Observation> = {}) =>
  assembleResult(request, limits, observed(events, extra));
const statuses = (events: HarnessEvent[], extra: Partial<Observation> = {}) =>
  run(events, extra).result.tests.map((t) => t.status);

describe('assembleResult: the whole run', () => {
  it('passes when every test passes, with the CPU time and memory of the done line', () => {
    const { result, infrastructureDetail } = run([
      ...started,
      test(0, { ok: true, actual: 1 }),
      test(1, { ok: true, actual: 'x'.repeat(5000) }),
      test(2, { ok: true, actual: 3 }),
      { t: 'done', total_cpu_ms: 2.345, maxrss_kb: 9100 },
    ]);
    expect(result).toMatchObject({
      status: 'passed',
      score: 1,
      passed: 3,
      total: 3,
      runtime_ms: 2.35,
      memory_kb: 9100,
      message: null,
    });
    expect(result.tests[2]).toMatchObject({ status: 'pass', actual: null, expected: null });
    expect(infrastructureDetail).toBeNull();
  });

  it('scores a problem without tests 0, not NaN', () => {
    const { result } = assembleResult(
      { ...request, tests: [] },
      limits,
      observed([...started, { t: 'done', total_cpu_ms: 1, maxrss_kb: 1 }]),
    );
    expect(result).toMatchObject({ status: 'passed', score: 0, passed: 0, total: 0 });
  });

  it('reports the first test that raised, after all ran', () => {
    const { result } = run([
      ...started,
      test(0, { ok: true, actual: 1 }),
      test(1, { ok: false, kind: 'exception', message: 'ValueError: bad input' }),
      test(2, { ok: true, actual: 4 }),
      { t: 'done', total_cpu_ms: 3, maxrss_kb: 9100 },
    ]);
    expect(result).toMatchObject({
      status: 'error',
      passed: 1,
      message: 'test 2: ValueError: bad input',
    });
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'error', 'fail']);
    expect(result.tests[1]).toMatchObject({ actual: null, time_ms: 1.23 });
  });

  it('does not believe a done line before every result came in', () => {
    const { result } = run([
      ...started,
      test(0, { ok: true, actual: 1 }),
      { t: 'done', total_cpu_ms: 3, maxrss_kb: 9100 },
    ]);
    expect(result.status).toBe('error');
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'error', 'not_run']);
    expect(result.message).toBe('the program exited before finishing the tests (exit code 0)');
  });

  it('ignores results beyond the last test', () => {
    const { result } = run([
      ...started,
      test(0, { ok: true, actual: 1 }),
      test(1, { ok: true, actual: 'x'.repeat(5000) }),
      test(2, { ok: true, actual: 3 }),
      test(3, { ok: true, actual: 4 }),
      { t: 'done', total_cpu_ms: 3, maxrss_kb: 9100 },
    ]);
    expect(result).toMatchObject({ status: 'passed', passed: 3, total: 3 });
    expect(result.tests).toHaveLength(3);
  });

  it('keeps the memory of the last result that reported it', () => {
    const { result } = run(
      [
        ...started,
        test(0, { ok: true, actual: 1, maxrss_kb: 7000 }),
        test(1, { ok: true, actual: 'x'.repeat(5000), maxrss_kb: undefined }),
      ],
      { wallTimeout: true },
    );
    expect(result).toMatchObject({ status: 'timeout', runtime_ms: 2, memory_kb: 7000 });
  });

  it('reports no time or memory when nothing was measured', () => {
    const { result } = run([{ t: 'hello' }], { exitCode: 1 });
    expect(result).toMatchObject({ runtime_ms: null, memory_kb: null, score: 0 });
  });
});

describe('assembleResult: what a failed test shows', () => {
  const hidden = (message: string | undefined) =>
    run([
      ...started,
      test(0, { ok: true, actual: 1 }),
      test(1, { ok: true, actual: 'x'.repeat(5000) }),
      test(2, { ok: false, kind: 'exception', message }),
      { t: 'done', total_cpu_ms: 3, maxrss_kb: 9100 },
    ]).result.tests[2].message;

  it('shows the exception of a visible test, or that there was one', () => {
    const visible = (message: string | undefined) =>
      run([...started, test(0, { ok: false, kind: 'exception', message })]).result.tests[0];
    expect(visible('ZeroDivisionError: division by zero')).toMatchObject({
      status: 'error',
      message: 'ZeroDivisionError: division by zero',
      actual: null,
    });
    expect(visible(undefined).message).toBe('error');
    expect(visible('E'.repeat(2000)).message).toBe(`${'E'.repeat(1024)}… (2000 characters)`);
  });

  it('names only the exception type of a hidden test, never its text', () => {
    expect(hidden('ValueError: the input was [1, 2, 3]')).toBe('ValueError on a hidden test');
    expect(hidden('RecursionError')).toBe('RecursionError on a hidden test');
    expect(hidden('Traceback (most recent call last)')).toBe('Traceback on a hidden test');
    expect(hidden('builtins.KeyError: 7')).toBe('builtins.KeyError on a hidden test');
    expect(hidden('[1, 2] leaked')).toBe('an error on a hidden test');
    expect(hidden(': secret')).toBe('an error on a hidden test');
    expect(hidden(undefined)).toBe('an error on a hidden test');
  });

  it('says a test ran out of memory, with the detail only for a visible test', () => {
    const { result } = run([
      ...started,
      test(0, { ok: false, kind: 'memory', message: 'MemoryError' }),
      test(1, { ok: true, actual: 'x'.repeat(5000) }),
      test(2, { ok: false, kind: 'memory', message: 'MemoryError: 3' }),
      { t: 'done', total_cpu_ms: 3, maxrss_kb: 9100 },
    ]);
    expect(result.tests[0]).toMatchObject({
      status: 'error',
      message: 'memory limit exceeded (MemoryError)',
    });
    expect(result.tests[2]).toMatchObject({ status: 'error', message: 'memory limit exceeded' });
    expect(result.status).toBe('error');
  });
});

describe('assembleResult: why a run stopped early', () => {
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

  it('a harness failure before the code loaded is an infrastructure error', () => {
    const { result, infrastructureDetail } = run(
      [{ t: 'hello' }, { t: 'fatal', kind: 'harness', message: 'cannot read the tests' }],
      { exitCode: 70 },
    );
    expect(result).toMatchObject({
      status: 'infrastructure_error',
      message: 'the sandbox harness failed',
    });
    expect(infrastructureDetail).toBe('cannot read the tests');
    expect(result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run']);
  });

  it('a harness failure after the code loaded is the program breaking it', () => {
    const { result, infrastructureDetail } = run(
      [
        ...started,
        test(0, { ok: true, actual: 1 }),
        { t: 'fatal', kind: 'harness', message: 'stdout was closed' },
        { t: 'fatal', kind: 'harness', message: 'a later complaint' },
      ],
      { exitCode: 70 },
    );
    expect(result.status).toBe('error');
    expect(result.message).toBe('the program broke the test harness: stdout was closed');
    expect(result.tests[1]).toMatchObject({
      status: 'error',
      message: 'the program broke the test harness: stdout was closed',
    });
    expect(infrastructureDetail).toBeNull();
  });

  it('an exit while loading marks no test', () => {
    const { result } = run([{ t: 'hello' }], { exitCode: 1 });
    expect(result.status).toBe('error');
    expect(result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run']);
    expect(result.message).toBe('the program exited before finishing the tests (exit code 1)');
  });

  it('names the test that raised before the program died, not the one it died in', () => {
    const { result } = run(
      [
        ...started,
        test(0, { ok: true, actual: 1 }),
        test(1, { ok: false, kind: 'exception', message: 'IndexError: list index out of range' }),
      ],
      { signal: 'SIGSEGV', exitCode: null },
    );
    expect(result.tests.map((t) => t.status)).toEqual(['pass', 'error', 'error']);
    expect(result.tests[2].message).toBe(
      'the program exited before finishing the tests (signal SIGSEGV)',
    );
    expect(result.message).toBe('test 2: IndexError: list index out of range');
  });

  it('a load error of memory is a memory limit', () => {
    expect(
      run([{ t: 'hello' }, { t: 'load_error', kind: 'memory', message: 'MemoryError at import' }])
        .result,
    ).toMatchObject({ status: 'memory_limit', message: 'MemoryError at import' });
    expect(
      run([
        { t: 'hello' },
        { t: 'load_error', kind: 'missing', message: 'no function f' },
        { t: 'load_error', kind: 'memory', message: 'later' },
      ]).result,
    ).toMatchObject({ status: 'syntax_error', message: 'no function f' });
  });

  it('too much output is an error of the running test', () => {
    const output = run([...started, test(0, { ok: true, actual: 1 })], {
      outputExceeded: 'output',
      signal: 'SIGKILL',
      exitCode: null,
    }).result;
    expect(output).toMatchObject({
      status: 'error',
      message: 'output limit exceeded (more than 1024 KB written)',
    });
    expect(output.tests[1]).toMatchObject({
      status: 'error',
      message: 'output limit exceeded (more than 1024 KB written)',
    });
    expect(output.tests[2].status).toBe('not_run');
    const result = run([...started], { outputExceeded: 'result', signal: 'SIGKILL' }).result;
    expect(result).toMatchObject({
      status: 'error',
      message: 'output limit exceeded (the result is too large)',
    });
    expect(result.tests[0].status).toBe('error');
    const loading = run([{ t: 'hello' }], { outputExceeded: 'output', signal: 'SIGKILL' });
    expect(loading.result.status).toBe('error');
    expect(loading.result.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run']);
  });

  it('a kill at the CPU limit is a timeout, a kill before it is not', () => {
    const atLimit = run([...started, test(0, { ok: true, actual: 1 })], {
      signal: 'SIGKILL',
      exitCode: null,
      elapsedMs: 5000,
    }).result;
    expect(atLimit.status).toBe('timeout');
    expect(atLimit.message).toBe('test 2: time limit exceeded (5 s of CPU)');
    expect(atLimit.tests[1]).toMatchObject({
      status: 'timeout',
      message: 'time limit exceeded (5 s of CPU)',
    });
    const early = run([...started, test(0, { ok: true, actual: 1 })], {
      signal: 'SIGKILL',
      exitCode: null,
      elapsedMs: 4999,
    }).result;
    expect(early.status).toBe('error');
    expect(early.message).toBe('the program exited before finishing the tests (signal SIGKILL)');
    const crash = run([...started], { signal: 'SIGSEGV', exitCode: null, elapsedMs: 6000 });
    expect(crash.result.status).toBe('error');
  });

  it('a timeout before the harness spoke is still a timeout', () => {
    const { result } = run([], { wallTimeout: true, signal: 'SIGKILL', exitCode: null });
    expect(result).toMatchObject({
      status: 'timeout',
      message: 'time limit exceeded (10000 ms wall clock)',
    });
    expect(statuses([{ t: 'hello' }], { wallTimeout: true })).toEqual([
      'not_run',
      'not_run',
      'not_run',
    ]);
  });

  it('a test that ran out of memory names that test, even when others raised', () => {
    const { result } = run(
      [
        ...started,
        test(0, { ok: false, kind: 'exception', message: 'ValueError: x' }),
        test(1, { ok: false, kind: 'memory', message: 'MemoryError' }),
      ],
      { exitCode: 1 },
    );
    expect(result.status).toBe('memory_limit');
    expect(result.message).toBe('test 2: memory limit exceeded (256 MB)');
    expect(result.tests.map((t) => t.status)).toEqual(['error', 'error', 'not_run']);
    const first = run(
      [
        ...started,
        test(0, { ok: true, actual: 1 }),
        test(1, { ok: false, kind: 'memory', message: 'MemoryError' }),
      ],
      { exitCode: 1 },
    ).result;
    expect(first.message).toBe('test 2: memory limit exceeded (256 MB)');
    expect(first.tests[2].status).toBe('not_run');
  });

  it('a memory failure the harness reported, or one while loading, is a memory limit', () => {
    const reported = run([...started, { t: 'fatal', kind: 'memory', message: 'MemoryError' }], {
      exitCode: 1,
    }).result;
    expect(reported).toMatchObject({
      status: 'memory_limit',
      message: 'test 1: memory limit exceeded (256 MB)',
    });
    const loading = run([{ t: 'hello' }], {
      exitCode: 134,
      stderrTail: 'MemoryError',
    }).result;
    expect(loading).toMatchObject({
      status: 'memory_limit',
      message: 'memory limit exceeded (256 MB)',
    });
    expect(loading.tests.map((t) => t.status)).toEqual(['not_run', 'not_run', 'not_run']);
    const early = run([{ t: 'hello' }, { t: 'fatal', kind: 'memory', message: 'MemoryError' }]);
    expect(early.result.status).toBe('memory_limit');
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
