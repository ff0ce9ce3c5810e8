import type { Comparator } from '@studypath/problem-bank';
import type { RunRequest, RunResult, RunStatus, SandboxLimits, TestOutcome } from './code-runner';
import { compareResult } from './comparators';

/** How much of an actual or expected value a visible test shows. */
export const DISPLAY_LIMIT = 1024;

/** One line the harness wrote on the protocol channel. */
export type HarnessEvent =
  | { t: 'hello' }
  | { t: 'ready' }
  | { t: 'load_error'; kind: 'syntax' | 'load' | 'missing' | 'memory'; message: string }
  | {
      t: 'test';
      i: number;
      ok: boolean;
      actual?: unknown;
      kind?: 'exception' | 'memory' | 'result';
      message?: string;
      /** Wall-clock time of the call. */
      wall_ms: number;
      /** CPU time of all calls so far. */
      total_cpu_ms: number;
      maxrss_kb?: number;
    }
  | { t: 'done'; total_cpu_ms: number; maxrss_kb: number }
  | { t: 'fatal'; kind: 'memory' | 'harness'; message: string };

/** What the runner saw of one process, from start to exit. */
export interface Observation {
  events: HarnessEvent[];
  /** The wall-clock limit fired and the process group was killed. */
  wallTimeout: boolean;
  /** The output limit (stdout + stderr) or the protocol limit was passed and the group killed. */
  outputExceeded: 'output' | 'result' | null;
  exitCode: number | null;
  /** The signal that ended the interpreter: from node, or decoded from a 128+n exit code. */
  signal: NodeJS.Signals | null;
  elapsedMs: number;
  /** The end of the process's stderr, for crash diagnosis. */
  stderrTail: string;
  /** The process could not be started at all. */
  spawnError: string | null;
}

export function truncate(text: string, limit = DISPLAY_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`;
}

export function display(value: unknown): string {
  return truncate(JSON.stringify(value === undefined ? null : value) ?? 'null');
}

const MEMORY_PATTERN =
  /JavaScript heap out of memory|Reached heap limit|MemoryError|std::bad_alloc|Cannot allocate memory|out of memory/i;

function emptyOutcomes(request: RunRequest): TestOutcome[] {
  return request.tests.map((test, index) => ({
    index,
    hidden: test.hidden,
    status: 'not_run',
    message: null,
    actual: null,
    expected: test.hidden ? null : display(test.expected),
    time_ms: null,
  }));
}

function judge(
  comparator: Comparator,
  outcome: TestOutcome,
  test: RunRequest['tests'][number],
  event: Extract<HarnessEvent, { t: 'test' }>,
): void {
  outcome.time_ms = Math.round(event.wall_ms * 100) / 100;
  if (event.ok) {
    const passed = compareResult(comparator, event.actual, test.expected);
    outcome.status = passed ? 'pass' : 'fail';
    outcome.actual = test.hidden ? null : display(event.actual);
    if (!passed) outcome.message = test.hidden ? 'wrong answer on a hidden test' : 'wrong answer';
    return;
  }
  outcome.status = 'error';
  if (event.kind === 'memory') {
    outcome.message = truncate(
      `memory limit exceeded${test.hidden ? '' : ` (${event.message ?? ''})`}`,
    );
  } else if (test.hidden) {
    // An exception's text can carry the test's input (a submission may raise it on purpose):
    // of a hidden test, only the exception's type is shown.
    const type = /^([A-Za-z_$][\w.$]*)(?::|\s|$)/.exec(event.message ?? '')?.[1];
    outcome.message = type ? `${type} on a hidden test` : 'an error on a hidden test';
  } else {
    outcome.message = truncate(event.message ?? 'error');
  }
}

function describeSignal(observation: Observation): string {
  if (observation.signal) return `signal ${observation.signal}`;
  return `exit code ${String(observation.exitCode)}`;
}

/**
 * Turns what the runner saw into the run's result: per-test outcomes in test order, the status
 * (the first cause wins: sandbox failure, load failure, output, time, memory, exception, answer)
 * and a message naming the first failure.
 */
export function assembleResult(
  request: RunRequest,
  limits: SandboxLimits,
  observation: Observation,
): { result: RunResult; infrastructureDetail: string | null } {
  const outcomes = emptyOutcomes(request);
  const total = outcomes.length;
  let hello = false;
  let ready = false;
  let done = false;
  let loadError: Extract<HarnessEvent, { t: 'load_error' }> | null = null;
  let fatal: Extract<HarnessEvent, { t: 'fatal' }> | null = null;
  let memoryEvent = false;
  let cpuMs: number | null = null;
  let memoryKb: number | null = null;
  let next = 0;
  for (const event of observation.events) {
    switch (event.t) {
      case 'hello':
        hello = true;
        break;
      case 'ready':
        ready = true;
        break;
      case 'load_error':
        loadError ??= event;
        break;
      case 'test': {
        // Results come in order; anything else is not the harness speaking.
        if (event.i !== next || next >= total) break;
        judge(request.comparator, outcomes[next], request.tests[next], event);
        if (event.kind === 'memory') memoryEvent = true;
        cpuMs = event.total_cpu_ms;
        memoryKb = event.maxrss_kb ?? memoryKb;
        next++;
        break;
      }
      case 'done':
        done = next === total;
        cpuMs = event.total_cpu_ms;
        memoryKb = event.maxrss_kb;
        break;
      case 'fatal':
        fatal ??= event;
        break;
    }
  }
  const passed = outcomes.filter((o) => o.status === 'pass').length;
  const finish = (status: RunStatus, message: string | null, detail: string | null = null) => ({
    result: {
      status,
      score: total === 0 ? 0 : passed / total,
      passed,
      total,
      runtime_ms: cpuMs === null ? null : Math.round(cpuMs * 100) / 100,
      memory_kb: memoryKb,
      tests: outcomes,
      message,
    },
    infrastructureDetail: detail,
  });
  const running = ready && !done && next < total ? outcomes[next] : null;
  const stderrSaysMemory = MEMORY_PATTERN.test(observation.stderrTail);
  const cpuKilled =
    observation.signal === 'SIGXCPU' ||
    (observation.signal === 'SIGKILL' && observation.elapsedMs >= limits.cpuSeconds * 1000);

  if (observation.spawnError) {
    return finish('infrastructure_error', 'the sandbox failed to start', observation.spawnError);
  }
  if (!hello && !observation.wallTimeout) {
    return finish(
      'infrastructure_error',
      'the sandbox failed to start',
      `no harness output (${describeSignal(observation)}): ${observation.stderrTail.trim() || 'no stderr'}`,
    );
  }
  if (fatal && fatal.kind === 'harness' && !ready) {
    return finish('infrastructure_error', 'the sandbox harness failed', fatal.message);
  }
  if (loadError) {
    if (loadError.kind === 'memory') return finish('memory_limit', loadError.message);
    return finish('syntax_error', loadError.message);
  }
  if (done) {
    const firstBad = outcomes.find((o) => o.status !== 'pass');
    if (!firstBad) return finish('passed', null);
    const errored = outcomes.find((o) => o.status === 'error');
    if (errored) return finish('error', `test ${errored.index + 1}: ${errored.message ?? 'error'}`);
    return finish(
      'failed',
      `${passed} of ${total} tests passed; test ${firstBad.index + 1}: ${firstBad.message ?? 'failed'}`,
    );
  }
  if (observation.outputExceeded) {
    const message =
      observation.outputExceeded === 'output'
        ? `output limit exceeded (more than ${limits.outputKb} KB written)`
        : 'output limit exceeded (the result is too large)';
    if (running) {
      running.status = 'error';
      running.message = message;
    }
    return finish('error', message);
  }
  if (observation.wallTimeout || cpuKilled) {
    const message = observation.wallTimeout
      ? `time limit exceeded (${limits.wallMs} ms wall clock)`
      : `time limit exceeded (${limits.cpuSeconds} s of CPU)`;
    if (running) {
      running.status = 'timeout';
      running.message = message;
    }
    return finish('timeout', running ? `test ${running.index + 1}: ${message}` : message);
  }
  if (memoryEvent || fatal?.kind === 'memory' || stderrSaysMemory) {
    const message = `memory limit exceeded (${limits.memoryMb} MB)`;
    if (memoryEvent) {
      const hit = outcomes.find((o) => o.status === 'error' && o.message?.startsWith('memory'));
      return finish('memory_limit', hit ? `test ${hit.index + 1}: ${message}` : message);
    }
    if (running) {
      running.status = 'error';
      running.message = message;
    }
    return finish('memory_limit', running ? `test ${running.index + 1}: ${message}` : message);
  }
  // The process ended before finishing: the submission exited, crashed or was killed.
  const message = fatal
    ? `the program broke the test harness: ${fatal.message}`
    : `the program exited before finishing the tests (${describeSignal(observation)})`;
  if (running) {
    running.status = 'error';
    running.message = message;
  }
  const errored = outcomes.find((o) => o.status === 'error' && o !== running);
  return finish(
    'error',
    errored ? `test ${errored.index + 1}: ${errored.message ?? 'error'}` : message,
  );
}
