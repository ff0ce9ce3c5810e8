import { describe, expect, it } from '@jest/globals';
import type { RunRequest } from './code-runner';
import { resolveLimits } from './limits';
import { assembleResult, type HarnessEvent, type Observation } from './outcome';

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
    expect(result.tests[2]).toMatchObject({ status: 'fail', actual: null, expected: null });
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
      observed([], { exitCode: 1, stderrTail: 'bwrap: Creating new namespace failed' }),
    );
    expect(broken.result.status).toBe('infrastructure_error');
    expect(broken.infrastructureDetail).toMatch(/Creating new namespace failed/);
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
  });
});
