import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { buildCommand, type Tools } from './command';
import { findInterpreters, type Interpreters } from './interpreters';
import { resolveLimits } from './limits';
import { LocalSandbox, type LocalSandboxOptions, type SandboxLogger } from './local-sandbox';
import { seccompFilterFile } from './seccomp';

const run = promisify(execFile);

export interface CreateCodeRunnerOptions extends Omit<
  LocalSandboxOptions,
  'mode' | 'tools' | 'interpreters' | 'mechanism' | 'warnings' | 'logger'
> {
  /** A service process: refuse to run (throw) when submissions cannot be isolated. */
  requireIsolation: boolean;
  /**
   * The address the process serves when others can reach it (not loopback): then it refuses, too,
   * to run submissions unisolated, since anyone who can reach it could run code as its user.
   */
  exposedAt?: string;
  logger?: SandboxLogger;
  /** Interpreter paths; by default /usr/bin/python3 (else python3 on PATH) and this node. */
  python?: string;
  node?: string;
  /** Tool paths; by default found on PATH (and /usr/bin). */
  bwrap?: string;
  prlimit?: string;
  /** GNU time, which measures each run's CPU time and memory from outside (default /usr/bin/time). */
  time?: string;
}

async function which(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/bin', '/usr/sbin'])) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

function message(error: unknown): string {
  if (error && typeof error === 'object' && 'stderr' in error && typeof error.stderr === 'string') {
    const stderr = error.stderr.trim();
    if (stderr) return stderr.split('\n').slice(-3).join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs a command with the seccomp filter on fd 5, like a run; rejects with its stderr on failure. */
async function runProbe(
  command: { file: string; args: string[]; env: Record<string, string> },
  seccompFilter: string | null,
): Promise<void> {
  const filter = seccompFilter ? await open(seccompFilter, 'r') : null;
  try {
    await new Promise<void>((resolve, reject) => {
      const stdio: ('ignore' | 'pipe' | number)[] = [
        'ignore',
        'ignore',
        'pipe',
        'ignore',
        'ignore',
      ];
      if (filter) stdio.push(filter.fd);
      const child = spawn(command.file, command.args, { cwd: '/', env: command.env, stdio });
      let stderr = '';
      child.stderr?.on(
        'data',
        (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)),
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else
          reject(new Error(stderr.trim() || `exit code ${String(code)}, signal ${String(signal)}`));
      });
    });
  } finally {
    await filter?.close();
  }
}

/**
 * Probes bubblewrap once, the way runs use it (the same namespaces, binds, limits and seccomp
 * filter, both interpreters starting inside), and returns the reason it cannot isolate, or null
 * when it can.
 */
async function probeBubblewrap(
  tools: Tools,
  interpreters: Interpreters,
  runAs: number | null,
  seccompFilter: string | null,
): Promise<string | null> {
  const limits = resolveLimits();
  for (const language of ['python', 'javascript'] as const) {
    const interpreter = interpreters[language];
    const command = buildCommand({
      mode: 'bubblewrap',
      tools,
      language,
      interpreter,
      limits,
      workDir: '/usr',
      runAs,
      tmpSizeMb: 1,
      seccompFd: seccompFilter ? 5 : null,
    });
    // Replace the harness invocation with a version check of the interpreter.
    const end = command.args.lastIndexOf(interpreter.executable);
    const args = [
      ...command.args.slice(0, end),
      interpreter.executable,
      language === 'python' ? '-V' : '-v',
    ];
    try {
      await runProbe({ file: command.file, args, env: command.env }, seccompFilter);
    } catch (error: unknown) {
      return `bubblewrap cannot start ${language} (${interpreter.executable}): ${message(error)}`;
    }
  }
  return null;
}

/**
 * The code runner for this machine: a LocalSandbox isolated with bubblewrap when it works, else
 * (only when isolation is not required, e.g. `npm start` on a laptop) one with rlimits only,
 * logged as a loud warning. Throws a clear Error when isolation is required and impossible.
 */
export async function createCodeRunner(options: CreateCodeRunnerOptions): Promise<LocalSandbox> {
  const { requireIsolation, exposedAt, logger, python, node, bwrap, prlimit, time, ...rest } =
    options;
  const interpreters = await findInterpreters({ python, node });
  const prlimitPath = prlimit ?? (await which('prlimit'));
  if (!prlimitPath) {
    throw new Error('The code sandbox needs prlimit (util-linux) on PATH');
  }
  const bwrapPath = bwrap ?? (await which('bwrap'));
  const setpriv = await which('setpriv');
  const root = process.getuid?.() === 0;
  const runAs = root && setpriv ? (rest.runAs ?? 65534) : null;
  let reason: string | null = null;
  let version = '';
  let disableUserns = false;
  if (!bwrapPath || !existsSync(bwrapPath)) {
    reason = 'bubblewrap (bwrap) is not installed';
  } else {
    try {
      const help = await run(bwrapPath, ['--help'], { timeout: 5_000 });
      disableUserns = help.stdout.includes('--disable-userns');
      version = (await run(bwrapPath, ['--version'], { timeout: 5_000 })).stdout.trim();
    } catch (error: unknown) {
      reason = `bwrap does not run: ${message(error)}`;
    }
  }
  const timePath = time ?? (existsSync('/usr/bin/time') ? '/usr/bin/time' : null);
  const tools: Tools = {
    bwrap: bwrapPath ?? 'bwrap',
    prlimit: prlimitPath,
    time: timePath,
    setpriv,
    bwrapDisableUserns: disableUserns,
  };
  const seccompFilter = seccompFilterFile();
  reason ??= await probeBubblewrap(tools, interpreters, runAs, seccompFilter);
  const gaps: string[] = [];
  if (!timePath) {
    gaps.push(
      'GNU time is not installed (apt-get install time): runtime and memory are not measured',
    );
  }
  if (!seccompFilter) {
    gaps.push(`no seccomp filter for ${process.arch}: submissions may start processes`);
  }
  const interpreterNote = `python ${interpreters.python.version} (${interpreters.python.executable}), node ${interpreters.javascript.version} (${interpreters.javascript.executable})`;
  if (!reason) {
    logger?.log(`code sandbox: ${version}, ${interpreterNote}`);
    for (const gap of gaps) logger?.warn(`code sandbox: ${gap}`);
    return new LocalSandbox({
      ...rest,
      mode: 'bubblewrap',
      tools,
      interpreters,
      seccompFilter,
      mechanism: `${version || 'bubblewrap'} (user, pid, network, ipc, uts namespaces; read-only system; private /tmp)${seccompFilter ? ' + seccomp' : ''} + prlimit`,
      warnings: gaps,
      logger,
    });
  }
  if (requireIsolation || exposedAt) {
    const hint =
      bwrapPath && existsSync(bwrapPath)
        ? `bubblewrap must be able to create user namespaces (in a container: a seccomp/AppArmor profile that permits them) and the interpreters must be readable by uid ${runAs ?? process.getuid?.() ?? '?'} (set python/node to system-wide installations, e.g. /usr/bin/python3)`
        : 'install bubblewrap (apt-get install bubblewrap)';
    throw new Error(
      requireIsolation
        ? `The code sandbox cannot isolate submissions: ${reason}. To fix: ${hint}; or run the embedded mode, which may run without isolation.`
        : `The embedded process listens on ${exposedAt}, where other machines can reach it, and the code sandbox cannot isolate submissions: ${reason}. To fix: listen on 127.0.0.1 only (leave HOST unset), or ${hint}.`,
    );
  }
  const warning = `code sandbox NOT ISOLATED: ${reason}; submissions run with rlimits only (no network, filesystem or environment isolation). Acceptable on your own machine for your own code, never for a service.`;
  logger?.warn(warning);
  return new LocalSandbox({
    ...rest,
    mode: 'rlimits',
    tools,
    interpreters,
    mechanism: 'prlimit (rlimits only)',
    warnings: [reason],
    logger,
  });
}
