import { CodeRunner, traceRun, type RunRequest, type RunResult } from './code-runner';

const STATUSES = new Set([
  'passed',
  'failed',
  'error',
  'timeout',
  'memory_limit',
  'syntax_error',
  'infrastructure_error',
]);

export interface HttpCodeRunnerOptions {
  /** The external runner's base URL; requests go to `POST {url}/run`. */
  url: string;
  /** The whole run's deadline, including the runner's queue (default 60 s). */
  timeoutMs?: number;
}

function infrastructureError(total: number, message: string): RunResult {
  return {
    status: 'infrastructure_error',
    score: 0,
    passed: 0,
    total,
    runtime_ms: null,
    memory_kb: null,
    tests: [],
    message,
  };
}

/**
 * An external evaluation service in place of the local sandbox (CODE_RUNNER_URL): it takes a
 * RunRequest as JSON at `POST {url}/run` and answers a RunResult. Any failure of the runner itself
 * is an `infrastructure_error`, never the user's fault.
 */
export class HttpCodeRunner extends CodeRunner {
  constructor(private readonly options: HttpCodeRunnerOptions) {
    super();
  }

  describeIsolation(): { isolated: boolean; mechanism: string; warnings: string[] } {
    return {
      isolated: true,
      mechanism: `external runner at ${new URL(this.options.url).origin}`,
      warnings: [],
    };
  }

  run(request: RunRequest): Promise<RunResult> {
    return traceRun('http', request, () => this.runRemotely(request));
  }

  private async runRemotely(request: RunRequest): Promise<RunResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 60_000);
    try {
      const response = await fetch(
        new URL('run', this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
          signal: controller.signal,
        },
      );
      if (!response.ok) {
        return infrastructureError(
          request.tests.length,
          `the code runner answered ${response.status}`,
        );
      }
      const result = (await response.json()) as Partial<RunResult>;
      if (
        !result ||
        typeof result.status !== 'string' ||
        !STATUSES.has(result.status) ||
        !Array.isArray(result.tests)
      ) {
        return infrastructureError(
          request.tests.length,
          'the code runner answered something that is not a run result',
        );
      }
      return result as RunResult;
    } catch (error) {
      const reason = controller.signal.aborted
        ? 'did not answer in time'
        : `could not be reached (${String(error)})`;
      return infrastructureError(request.tests.length, `the code runner ${reason}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
