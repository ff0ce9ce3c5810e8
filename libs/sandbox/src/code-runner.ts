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
