import { lstatSync, readlinkSync } from 'node:fs';
import type { SandboxLimits } from './code-runner';
import type { Interpreter } from './interpreters';
import type { Language } from './limits';

/** Where the run's files (harness, input, solution) appear inside the bubblewrap sandbox. */
export const SANDBOX_DIR = '/sandbox';
/**
 * V8 reserves address space far beyond what it uses (about 800 MB before any code runs), so the
 * address-space limit of node is the memory limit plus this; the heap itself is capped at the
 * memory limit with --max-old-space-size.
 */
export const NODE_ADDRESS_SPACE_OVERHEAD_MB = 1536;
/** Open files per sandboxed process. */
const MAX_OPEN_FILES = 256;
const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

export type IsolationMode = 'bubblewrap' | 'rlimits';

export interface Tools {
  bwrap: string;
  prlimit: string;
  /** GNU time: measures the sandbox's CPU time and peak memory from outside (wait4); null: not measured. */
  time: string | null;
  /** util-linux setpriv: used when this process is root to run submissions as an unprivileged uid. */
  setpriv: string | null;
  /** Whether this bwrap knows --disable-userns (0.8+). */
  bwrapDisableUserns: boolean;
}

export interface CommandInput {
  mode: IsolationMode;
  tools: Tools;
  language: Language;
  interpreter: Interpreter;
  limits: SandboxLimits;
  /** The run's private host directory: harness, input.json, solution and (rlimits mode) tmp/. */
  workDir: string;
  /** The unprivileged uid/gid to switch to first when this process is root; null not to switch. */
  runAs: number | null;
  /** Size of the sandbox's private /tmp. */
  tmpSizeMb: number;
  /** The fd (in the started process) bubblewrap reads the seccomp filter from; null: none. */
  seccompFd?: number | null;
  /** Where GNU time writes the sandbox's resource usage, behind a marker line; null: not measured. */
  usage?: UsageReport | null;
}

/** GNU time's report of one run: a file outside the sandbox, one line behind a random marker. */
export interface UsageReport {
  file: string;
  marker: string;
}

/** GNU time's format: the marker, then user and system CPU seconds and the peak RSS in KB. */
export function timeFormat(marker: string): string {
  return `${marker} %U %S %M`;
}

export interface Command {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export const HARNESS_FILES: Record<Language, { harness: string; solution: string }> = {
  python: { harness: 'harness.py', solution: 'solution.py' },
  javascript: { harness: 'harness.js', solution: 'solution.js' },
};

/** The interpreter's command line inside the sandbox, the files under `dir`. */
export function interpreterArgs(
  language: Language,
  interpreter: Interpreter,
  limits: SandboxLimits,
  dir: string,
): string[] {
  const files = HARNESS_FILES[language];
  const tail = [`${dir}/${files.harness}`, `${dir}/input.json`, `${dir}/${files.solution}`];
  switch (language) {
    case 'python':
      // -I: ignore PYTHON* variables and the user site; -S: no site-packages; -B: no .pyc files.
      return [interpreter.executable, '-I', '-S', '-B', ...tail];
    case 'javascript':
      return [
        interpreter.executable,
        `--max-old-space-size=${Math.max(16, Math.floor(limits.memoryMb))}`,
        '--no-warnings',
        ...tail,
      ];
  }
}

/** prlimit's options: CPU seconds (SIGXCPU, then SIGKILL a second later), memory, processes, files. */
export function prlimitArgs(
  language: Language,
  limits: SandboxLimits,
  withProcessLimit: boolean,
): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  const addressSpaceMb =
    language === 'javascript' ? limits.memoryMb + NODE_ADDRESS_SPACE_OVERHEAD_MB : limits.memoryMb;
  const args = [
    `--cpu=${cpu}:${cpu + 1}`,
    `--as=${Math.floor(addressSpaceMb * 1024 * 1024)}`,
    `--fsize=${Math.floor(limits.fileSizeKb * 1024)}`,
    '--core=0',
    `--nofile=${MAX_OPEN_FILES}`,
  ];
  if (withProcessLimit) args.push(`--nproc=${Math.floor(limits.processes)}`);
  return args;
}

/** Binds for the top-level system directories: symlinks stay symlinks (merged /usr). */
function systemBinds(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    try {
      const stat = lstatSync(dir);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
      else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
    } catch {
      // not on this system
    }
  }
  for (const file of [
    '/etc/alternatives',
    '/etc/ld.so.cache',
    '/etc/ld.so.conf',
    '/etc/ld.so.conf.d',
    '/etc/localtime',
  ]) {
    args.push('--ro-bind-try', file, file);
  }
  return args;
}

/** The bubblewrap options (everything before the command) for a run's files in `workDir`. */
export function bwrapArgs(
  input: Pick<CommandInput, 'tools' | 'interpreter' | 'workDir' | 'tmpSizeMb' | 'seccompFd'>,
): string[] {
  const args = [
    // New user (mapped to one unprivileged uid), PID, network, IPC, UTS and cgroup namespaces.
    '--unshare-all',
    '--unshare-user',
    // The interpreter is the namespace's pid 1, reaped by bwrap itself: its CPU time and memory
    // reach GNU time's wait4 (with bwrap's own init in between they would not). Signals sent from
    // inside cannot kill it; the kernel's (CPU limit, memory) and the runner's can.
    '--as-pid-1',
    ...(input.tools.bwrapDisableUserns ? ['--disable-userns'] : []),
    '--uid',
    '65534',
    '--gid',
    '65534',
    '--hostname',
    'sandbox',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--clearenv',
    '--setenv',
    'PATH',
    SANDBOX_PATH,
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'LANG',
    'C.UTF-8',
    ...systemBinds(),
  ];
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // /dev is a tmpfs without a size: read-only, or files in /dev/shm would be unbounded memory.
    '--remount-ro',
    '/dev',
    '--size',
    String(Math.floor(input.tmpSizeMb * 1024 * 1024)),
    '--tmpfs',
    '/tmp',
  );
  // After the tmpfs: an interpreter installed under /tmp (a checkout's node_modules) stays visible.
  for (const dir of input.interpreter.binds) args.push('--ro-bind', dir, dir);
  args.push(
    '--ro-bind',
    input.workDir,
    SANDBOX_DIR,
    '--chdir',
    '/tmp',
    // The root bwrap builds is a writable tmpfs: make it read-only once everything is mounted.
    '--remount-ro',
    '/',
  );
  // Loaded right before the command runs: no new processes, no kernel attack surface a solution
  // never needs (see libs/sandbox/seccomp/policy.json).
  if (input.seccompFd !== undefined && input.seccompFd !== null) {
    args.push('--seccomp', String(input.seccompFd));
  }
  return args;
}

/**
 * The full command of one run. Bubblewrap mode: [setpriv] bwrap ... -- prlimit ... -- interpreter
 * (prlimit runs inside, so the limits bind the submission and not the namespace setup). Rlimits
 * mode: [setpriv] prlimit ... -- interpreter, behind a shell when there is no uid to switch to, so
 * that the submission's parent is not this process.
 */
export function buildCommand(input: CommandInput): Command {
  const { tools, language, interpreter, limits, workDir, runAs, usage } = input;
  // GNU time runs first, as this process's user, outside every namespace: its wait4 sees the CPU
  // time and peak RSS of the whole sandbox, and nothing inside can reach it. -a appends, so its
  // line always lands at the end of the file, whatever the submission does with the inherited fd.
  const measure =
    usage && tools.time
      ? [tools.time, '-a', '-o', usage.file, '-f', timeFormat(usage.marker), '--']
      : [];
  const switching = runAs !== null && tools.setpriv !== null;
  const switchUser = [
    ...measure,
    ...(switching
      ? [tools.setpriv as string, `--reuid=${runAs}`, `--regid=${runAs}`, '--clear-groups', '--']
      : []),
  ];
  const baseEnv = { PATH: SANDBOX_PATH, LANG: 'C.UTF-8' };
  if (input.mode === 'bubblewrap') {
    const argv = [
      ...switchUser,
      tools.bwrap,
      ...bwrapArgs(input),
      '--',
      tools.prlimit,
      // Inside the user namespace the uid is the sandbox's own: RLIMIT_NPROC counts its processes.
      ...prlimitArgs(language, limits, switching || (process.getuid?.() ?? 0) !== 0),
      '--',
      ...interpreterArgs(language, interpreter, limits, SANDBOX_DIR),
    ];
    return { file: argv[0], args: argv.slice(1), cwd: workDir, env: { ...baseEnv, HOME: workDir } };
  }
  const tmp = `${workDir}/tmp`;
  const limited = [
    tools.prlimit,
    // Without a uid of its own, RLIMIT_NPROC would count every process of this user.
    ...prlimitArgs(language, limits, switching),
    '--',
    ...interpreterArgs(language, interpreter, limits, workDir),
  ];
  const argv = switching
    ? [...switchUser, ...limited]
    : [...measure, '/bin/sh', '-c', '"$@"; exit $?', 'sandbox', ...limited];
  return {
    file: argv[0],
    args: argv.slice(1),
    cwd: tmp,
    env: { ...baseEnv, HOME: tmp, TMPDIR: tmp },
  };
}
