import { inSpan } from '@studypath/platform';
import type { Comparator, FunctionSignature } from '@studypath/problem-bank';

export type RunStatus =
  | 'passed'
  | 'failed'
  | 'error'
  | 'timeout'
  | 'memory_limit'
  | 'syntax_error'
  | 'infrastructure_error';

export interface TestOutcome {
  index: number;
  hidden: boolean;
  status: 'pass' | 'fail' | 'error' | 'timeout' | 'not_run';
  /**
   * Sample tests: what went wrong, as the harness or the comparison said it. Hidden tests: a
   * fixed category (wrong answer, runtime error, time/memory/output limit exceeded).
   */
  message: string | null;
  /** The arguments, as JSON (sample tests only; null for hidden tests). */
  input: string | null;
  /** The function's result, as JSON (sample tests only). */
  actual: string | null;
  /** The expected value, as JSON (sample tests only). */
  expected: string | null;
  /** Wall-clock time of the call, as the harness measured it (sample tests only). */
  time_ms: number | null;
}

export interface RunRequest {
  language: 'python' | 'javascript';
  code: string;
  signature: FunctionSignature;
  comparator: Comparator;
  tests: { args: unknown[]; expected: unknown; hidden: boolean }[];
  limits?: Partial<SandboxLimits>;
}

export interface RunResult {
  status: RunStatus;
  score: number;
  passed: number;
  total: number;
  runtime_ms: number | null;
  memory_kb: number | null;
  tests: TestOutcome[];
  message: string | null;
}

export interface SandboxLimits {
  cpuSeconds: number;
  wallMs: number;
  memoryMb: number;
  processes: number;
  fileSizeKb: number;
  outputKb: number;
}

/**
 * One run as a span (`sandbox run`, a child of the active one): the language, the number of tests,
 * and what came of it; a runner that throws marks it as an error. The code is never recorded.
 */
export function traceRun(
  runner: string,
  request: RunRequest,
  run: () => Promise<RunResult>,
): Promise<RunResult> {
  return inSpan(
    'sandbox run',
    {
      attributes: {
        'studypath.sandbox.runner': runner,
        'studypath.sandbox.language': request.language,
        'studypath.sandbox.tests': request.tests.length,
      },
    },
    async (span) => {
      const result = await run();
      span?.setAttributes({
        'studypath.sandbox.status': result.status,
        'studypath.sandbox.passed': result.passed,
        ...(result.runtime_ms === null
          ? {}
          : { 'studypath.sandbox.runtime_ms': result.runtime_ms }),
      });
      return result;
    },
  );
}

/** Runs untrusted code against tests. The evaluation service codes against this port. */
export abstract class CodeRunner {
  abstract run(request: RunRequest): Promise<RunResult>;
  abstract describeIsolation(): { isolated: boolean; mechanism: string; warnings: string[] };
}

/**
 * Throws when the runner does not isolate submissions: a service process calls it at start and
 * refuses to run untrusted code with rlimits only.
 */
export function assertIsolation(runner: CodeRunner): void {
  const isolation = runner.describeIsolation();
  if (!isolation.isolated) {
    throw new Error(
      `The code sandbox does not isolate submissions (${isolation.mechanism}): ${isolation.warnings.join('; ')}`,
    );
  }
}
