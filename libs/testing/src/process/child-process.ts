import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';

export const WORKSPACE_ROOT = path.resolve(__dirname, '../../../..');

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the process printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves once the process has exited. */
  exited: Promise<ChildExit>;
  /** Sends `signal` (SIGTERM by default) unless the process has exited, then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ChildExit>;
}

/** Runs a TypeScript entry point of the workspace as a real child process (as `npm start` does). */
export function runTypeScript(
  entry: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): RunningChild {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry, ...args], {
    cwd: WORKSPACE_ROOT,
    env: { ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  let output = '';
  let hasExited = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    notify();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('close', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
      notify();
    });
  });

  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = (): void => {
          const match = output.match(pattern);
          if (match) {
            finish();
            resolve(match);
          } else if (hasExited) {
            finish();
            reject(
              new Error(`process exited before printing ${String(pattern)}; output:\n${output}`),
            );
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
      if (!hasExited) child.kill(signal);
      return exited;
    },
  };
}
