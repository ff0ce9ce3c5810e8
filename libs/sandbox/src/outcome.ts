import type { RunRequest, RunResult, RunStatus, SandboxLimits, TestOutcome } from './code-runner';
import { compareResult } from './comparators';
import type { HarnessEvent } from './protocol';

/** How much of an input, an actual or an expected value a sample test shows. */
export const DISPLAY_LIMIT = 1024;

/** One line of the result channel: the event (null: not a valid harness line) and its phase. */
export interface ChannelLine {
  event: HarnessEvent | null;
  /** Read after the hidden tests' arguments were handed to the sandbox. */
  hidden: boolean;
}

/** CPU time and peak memory of the sandboxed process tree, from the kernel's accounting. */
export interface ResourceUsage {
  cpuMs: number;
  memoryKb: number;
}

/** What the runner saw of one run, from start to exit. */
export interface Observation {
  lines: ChannelLine[];
  /** The wall-clock limit fired and the process group was killed. */
  wallTimeout: boolean;
  /** The output limit (stdout + stderr) or the result channel's limit was passed. */
  outputExceeded: 'output' | 'result' | null;
  exitCode: number | null;
  /** The signal that ended the sandbox, decoded from a 128+n exit code. */
  signal: NodeJS.Signals | null;
  elapsedMs: number;
  /** The end of the process's stderr, for crash diagnosis (the submission writes there too). */
  stderrTail: string;
  /** The process could not be started at all. */
  spawnError: string | null;
  /** The runner killed the process group (a limit, tampering, no exit after the last line). */
  killed: boolean;
  /** From outside the sandbox (GNU time's wait4); null when the run was killed or not measured. */
  usage: ResourceUsage | null;
}

/**
 * The fixed words a hidden test's failure is reported in: nothing of a hidden test's run (an
 * exception's text or class, a printed value, the result) reaches the learner.
 */
export const HIDDEN_CATEGORY = {
  wrong: 'wrong answer',
  error: 'runtime error',
  timeout: 'time limit exceeded',
  memory: 'memory limit exceeded',
  output: 'output limit exceeded',
} as const;

/** What a run ends with when the submission wrote on the harness's result channel. */
export const CHANNEL_TAMPERED = 'the program wrote on the test harness result channel';

export function truncate(text: string, limit = DISPLAY_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`;
}

export function display(value: unknown): string {
  return truncate(JSON.stringify(value === undefined ? null : value) ?? 'null');
}

const MEMORY_PATTERN =
  /JavaScript heap out of memory|Reached heap limit|MemoryError|std::bad_alloc|Cannot allocate memory|out of memory/i;

type TestEvent = Extract<HarnessEvent, { t: 'test' }>;
type Test = RunRequest['tests'][number];

/** Where each phase's test i sits in the request. */
interface Phases {
  visible: number[];
  hidden: number[];
}

export function phasesOf(request: RunRequest): Phases {
  const visible: number[] = [];
  const hidden: number[] = [];
  request.tests.forEach((test, index) => (test.hidden ? hidden : visible).push(index));
  return { visible, hidden };
}

function emptyOutcomes(request: RunRequest): TestOutcome[] {
  return request.tests.map((test, index) => ({
    index,
    hidden: test.hidden,
    status: 'not_run',
    message: null,
    input: test.hidden ? null : display(test.args),
    actual: null,
    expected: test.hidden ? null : display(test.expected),
    time_ms: null,
  }));
}

/** A sample test's outcome: what the learner needs to debug it. */
function judgeVisible(
  request: RunRequest,
  outcome: TestOutcome,
  test: Test,
  event: TestEvent,
): void {
  outcome.time_ms = Math.round(event.wall_ms * 100) / 100;
  if (event.ok) {
    const passed = compareResult(request.comparator, event.actual, test.expected);
    outcome.status = passed ? 'pass' : 'fail';
    outcome.actual = display(event.actual);
    if (!passed) outcome.message = 'wrong answer';
    return;
  }
  outcome.status = 'error';
  outcome.message = truncate(event.message);
}

/** A hidden test's outcome: a pass, or a fixed category; no time, no text, no value. */
function judgeHidden(
  request: RunRequest,
  outcome: TestOutcome,
  test: Test,
  event: TestEvent,
): void {
  if (event.ok) {
    const passed = compareResult(request.comparator, event.actual, test.expected);
    outcome.status = passed ? 'pass' : 'fail';
    if (!passed) outcome.message = HIDDEN_CATEGORY.wrong;
    return;
  }
  outcome.status = 'error';
  outcome.message = event.kind === 'memory' ? HIDDEN_CATEGORY.memory : HIDDEN_CATEGORY.error;
}

/** How a test is named in the run's message. */
function label(outcome: TestOutcome): string {
  return outcome.hidden ? `hidden test ${outcome.index + 1}` : `test ${outcome.index + 1}`;
}

function describeExit(observation: Observation): string {
  if (observation.signal) return `signal ${observation.signal}`;
  return `exit code ${String(observation.exitCode)}`;
}

/**
 * Replays the result channel through the harness's protocol: hello, then load_error or ready,
 * the sample tests in order, next, the hidden tests in order, done (fatal at any point). The
 * first line that does not fit is the submission's doing: everything after it is ignored.
 */
function replay(
  request: RunRequest,
  phases: Phases,
  lines: ChannelLine[],
  outcomes: TestOutcome[],
) {
  const state = {
    hello: false,
    ready: false,
    /** The sample tests are done and the hidden tests were asked for. */
    next: false,
    done: false,
    tampered: false,
    loadError: null as Extract<HarnessEvent, { t: 'load_error' }> | null,
    fatal: null as { kind: 'memory' | 'harness'; message: string; hidden: boolean } | null,
    /** The test the harness reported out of memory on. */
    memoryIndex: null as number | null,
    visibleDone: 0,
    hiddenDone: 0,
  };
  for (const [position, { event, hidden }] of lines.entries()) {
    if (event === null) {
      // Nothing but the harness writes before hello, and the harness writes nothing invalid.
      state.tampered = position > 0 || state.hello;
      break;
    }
    if (!state.hello) {
      if (event.t !== 'hello') break;
      state.hello = true;
      continue;
    }
    if (state.fatal || state.done || state.loadError) {
      state.tampered = true;
      break;
    }
    let fits = false;
    switch (event.t) {
      case 'load_error':
        fits = !state.ready && !hidden;
        if (fits) state.loadError = event;
        break;
      case 'ready':
        fits = !state.ready;
        state.ready = true;
        break;
      case 'test': {
        const inHidden = state.next;
        const done = inHidden ? state.hiddenDone : state.visibleDone;
        const order = inHidden ? phases.hidden : phases.visible;
        // A sample test's line must have been read before the hidden inputs were handed over:
        // a later one could carry them.
        fits = state.ready && event.i === done && done < order.length && (inHidden || !hidden);
        if (!fits) break;
        const index = order[done];
        if (inHidden) {
          judgeHidden(request, outcomes[index], request.tests[index], event);
          state.hiddenDone++;
        } else {
          judgeVisible(request, outcomes[index], request.tests[index], event);
          state.visibleDone++;
        }
        if (!event.ok && event.kind === 'memory') state.memoryIndex = index;
        break;
      }
      case 'next':
        fits = state.ready && !state.next && state.visibleDone === phases.visible.length;
        state.next ||= fits;
        break;
      case 'done':
        fits = state.next && state.hiddenDone === phases.hidden.length;
        state.done ||= fits;
        break;
      case 'fatal':
        fits = true;
        state.fatal = { kind: event.kind, message: event.message, hidden };
        break;
      case 'hello':
        fits = false;
        break;
    }
    if (!fits) {
      state.tampered = true;
      break;
    }
  }
  return state;
}

/**
 * Turns what the runner saw into the run's result: per-test outcomes in test order, the status
 * (the first cause wins: sandbox failure, tampering, load failure, output, time, memory,
 * exception, answer) and a message naming the first failure. Only what the runner itself
 * observed before the submission's code could run is an `infrastructure_error`.
 */
export function assembleResult(
  request: RunRequest,
  limits: SandboxLimits,
  observation: Observation,
): { result: RunResult; infrastructureDetail: string | null } {
  const outcomes = emptyOutcomes(request);
  const total = outcomes.length;
  const phases = phasesOf(request);
  const state = replay(request, phases, observation.lines, outcomes);
  const passed = outcomes.filter((o) => o.status === 'pass').length;
  const usage = observation.usage;
  const finish = (status: RunStatus, message: string | null, detail: string | null = null) => ({
    result: {
      status,
      score: total === 0 ? 0 : passed / total,
      passed,
      total,
      runtime_ms: usage ? Math.round(usage.cpuMs) : null,
      memory_kb: usage ? Math.round(usage.memoryKb) : null,
      tests: outcomes,
      message,
    },
    infrastructureDetail: detail,
  });
  /** The test that was running when the run ended, if any. */
  const runningIndex = !state.ready
    ? undefined
    : state.next
      ? phases.hidden[state.hiddenDone]
      : phases.visible[state.visibleDone];
  const running = runningIndex === undefined || state.done ? null : outcomes[runningIndex];
  // The runner hands the hidden tests' arguments over on the first `next` it reads, in order or not.
  const handedOver = observation.lines.some((line) => line.hidden || line.event?.t === 'next');
  /**
   * Marks the running test with `status` and words a run message for it. Once the hidden tests'
   * arguments are in the sandbox, only the fixed category: even an exit code could carry them.
   */
  const stop = (status: TestOutcome['status'], visibleText: string, hiddenText: string) => {
    if (!running) return handedOver ? hiddenText : visibleText;
    running.status = status;
    running.message = running.hidden ? hiddenText : visibleText;
    return `${label(running)}: ${running.message}`;
  };
  const stderrSaysMemory = MEMORY_PATTERN.test(observation.stderrTail);
  const cpuKilled =
    observation.signal === 'SIGXCPU' ||
    (observation.signal === 'SIGKILL' && observation.elapsedMs >= limits.cpuSeconds * 1000);

  if (observation.spawnError) {
    return finish('infrastructure_error', 'the sandbox failed to start', observation.spawnError);
  }
  if (!state.hello) {
    // The harness greets before it loads the submission: without a greeting, no user code ran.
    const why = observation.wallTimeout ? 'the wall-clock limit' : describeExit(observation);
    return finish(
      'infrastructure_error',
      'the sandbox failed to start',
      `no harness greeting (${why}): ${observation.stderrTail.trim() || 'no stderr'}`,
    );
  }
  if (state.tampered) {
    return finish('error', stop('error', CHANNEL_TAMPERED, HIDDEN_CATEGORY.error));
  }
  if (state.loadError) {
    if (state.loadError.kind === 'memory') {
      return finish('memory_limit', truncate(state.loadError.message));
    }
    return finish('syntax_error', truncate(state.loadError.message));
  }
  if (state.done) {
    const firstBad = outcomes.find((o) => o.status !== 'pass');
    if (!firstBad) return finish('passed', null);
    const errored = outcomes.find((o) => o.status === 'error');
    if (errored) return finish('error', `${label(errored)}: ${errored.message ?? 'error'}`);
    return finish(
      'failed',
      `${passed} of ${total} tests passed; ${label(firstBad)}: ${firstBad.message ?? 'failed'}`,
    );
  }
  if (observation.outputExceeded) {
    const text =
      observation.outputExceeded === 'output'
        ? `output limit exceeded (more than ${limits.outputKb} KB written)`
        : 'output limit exceeded (the result is too large)';
    return finish('error', stop('error', text, HIDDEN_CATEGORY.output));
  }
  if (observation.wallTimeout || cpuKilled) {
    const text = observation.wallTimeout
      ? `time limit exceeded (${limits.wallMs} ms wall clock)`
      : `time limit exceeded (${limits.cpuSeconds} s of CPU)`;
    return finish('timeout', stop('timeout', text, HIDDEN_CATEGORY.timeout));
  }
  const memoryText = `memory limit exceeded (${limits.memoryMb} MB)`;
  if (state.memoryIndex !== null) {
    const hit = outcomes[state.memoryIndex];
    if (!hit.hidden) hit.message = memoryText;
    return finish(
      'memory_limit',
      `${label(hit)}: ${hit.hidden ? HIDDEN_CATEGORY.memory : memoryText}`,
    );
  }
  if (state.fatal?.kind === 'memory' || stderrSaysMemory) {
    return finish('memory_limit', stop('error', memoryText, HIDDEN_CATEGORY.memory));
  }
  // The process ended before finishing: the submission exited, crashed or was killed.
  const text =
    state.fatal && !state.fatal.hidden
      ? `the program broke the test harness: ${truncate(state.fatal.message)}`
      : `the program exited before finishing the tests (${describeExit(observation)})`;
  const message = stop('error', text, HIDDEN_CATEGORY.error);
  const errored = outcomes.find((o) => o.status === 'error' && o !== running);
  return finish('error', errored ? `${label(errored)}: ${errored.message ?? 'error'}` : message);
}
