import { spawn, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  open,
  rm,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { constants as osConstants } from 'node:os';
import {
  CodeRunner,
  traceRun,
  type RunRequest,
  type RunResult,
  type SandboxLimits,
} from './code-runner';
import type { Readable, Writable } from 'node:stream';
import {
  buildCommand,
  HARNESS_FILES,
  type IsolationMode,
  type Tools,
  type UsageReport,
} from './command';
import type { Interpreters } from './interpreters';
import { resolveLimits, type Language } from './limits';
import {
  assembleResult,
  phasesOf,
  type ChannelLine,
  type Observation,
  type ResourceUsage,
} from './outcome';
import { parseHarnessLine } from './protocol';

/** What the sandbox logs with; a NestJS Logger fits. */
export interface SandboxLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface LocalSandboxOptions {
  /** bubblewrap: namespaces + rlimits (isolated); rlimits: prlimit only (NOT isolated). */
  mode: IsolationMode;
  tools: Tools;
  interpreters: Interpreters;
  /** Limits over the defaults, for every run. */
  limits?: Partial<SandboxLimits>;
  /** Limits per language, over `limits`; a request's own limits come last. */
  languageLimits?: Partial<Record<Language, Partial<SandboxLimits>>>;
  /** The uid/gid submissions run as when this process is root (default 65534, nobody). */
  runAs?: number;
  /** Runs at once; more wait their turn (default: the number of CPUs). */
  maxConcurrent?: number;
  /** Where the per-run directories go (default: the OS temp dir). */
  workRoot?: string;
  /** The seccomp filter (classic BPF) bubblewrap loads; null: none (see seccompFilterFile). */
  seccompFilter?: string | null;
  /** Size of the sandbox's private /tmp in MB (default 16). */
  tmpSizeMb?: number;
  /** Description of the isolation, for describeIsolation (e.g. the bwrap version). */
  mechanism?: string;
  /** Extra warnings, e.g. why the sandbox fell back to rlimits. */
  warnings?: string[];
  logger?: SandboxLogger;
}

const HARNESS_DIR = path.resolve(__dirname, '../harness');
/** Lines of the protocol channel beyond this are the result of a submission returning too much. */
const PROTOCOL_LIMIT_BYTES = 32 * 1024 * 1024;
const STDERR_TAIL_BYTES = 4096;
/** How long the harness may take to exit after its last line before it is killed. */
const EXIT_GRACE_MS = 1000;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** A counting semaphore: at most `size` runs at once, the rest in arrival order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Runs submissions on this machine: a generated harness per language loads the code and calls the
 * function on every test in one process, under bubblewrap (namespaces, read-only system, no
 * network, clean environment) and prlimit (CPU, memory, processes, file size); the wall clock and
 * the output size are enforced here. See docs/sandbox.md.
 */
export class LocalSandbox extends CodeRunner {
  private readonly harness: Record<Language, string>;
  private readonly slots: Slots;
  private readonly runAs: number | null;

  constructor(private readonly options: LocalSandboxOptions) {
    super();
    this.harness = {
      python: readFileSync(path.join(HARNESS_DIR, HARNESS_FILES.python.harness), 'utf8'),
      javascript: readFileSync(path.join(HARNESS_DIR, HARNESS_FILES.javascript.harness), 'utf8'),
    };
    this.slots = new Slots(Math.max(1, options.maxConcurrent ?? availableParallelism()));
    this.runAs =
      process.getuid?.() === 0 && options.tools.setpriv ? (options.runAs ?? 65534) : null;
  }

  describeIsolation(): { isolated: boolean; mechanism: string; warnings: string[] } {
    const warnings = [...(this.options.warnings ?? [])];
    const isolated = this.options.mode === 'bubblewrap';
    if (!isolated) {
      warnings.push(
        'submissions run without namespaces: they can use the network, read every file this user can read and write outside their directory',
      );
    }
    if (process.getuid?.() === 0 && this.runAs === null) {
      warnings.push(
        'running as root without setpriv: the process limit (fork bombs) is not enforced',
      );
    } else if (!isolated && this.runAs === null) {
      warnings.push('no uid of their own: the process limit (fork bombs) is not enforced');
    }
    return {
      isolated,
      mechanism:
        this.options.mechanism ?? (isolated ? 'bubblewrap + prlimit' : 'prlimit (rlimits only)'),
      warnings,
    };
  }

  /** The interpreters submissions run with. */
  interpreters(): Interpreters {
    return this.options.interpreters;
  }

  /** Throws unless submissions run isolated (bubblewrap): for a service process at start. */
  assertIsolation(): void {
    const isolation = this.describeIsolation();
    if (!isolation.isolated) {
      throw new Error(
        `The code sandbox does not isolate submissions (${isolation.mechanism}): ${isolation.warnings.join('; ')}`,
      );
    }
  }

  /** The limits a request runs with: defaults, the sandbox's, the language's, the request's. */
  limitsFor(request: Pick<RunRequest, 'language' | 'limits'>): SandboxLimits {
    return resolveLimits(
      this.options.limits,
      this.options.languageLimits?.[request.language],
      request.limits,
    );
  }

  run(request: RunRequest): Promise<RunResult> {
    return traceRun(this.options.mode, request, async () => {
      await this.slots.acquire();
      try {
        return await this.runNow(request);
      } finally {
        this.slots.release();
      }
    });
  }

  private infrastructureError(request: RunRequest, detail: string): RunResult {
    this.options.logger?.warn(`sandbox infrastructure error: ${detail}`);
    return {
      status: 'infrastructure_error',
      score: 0,
      passed: 0,
      total: request.tests.length,
      runtime_ms: null,
      memory_kb: null,
      tests: request.tests.map((test, index) => ({
        index,
        hidden: test.hidden,
        status: 'not_run',
        message: null,
        input: null,
        actual: null,
        expected: null,
        time_ms: null,
      })),
      message: 'the sandbox failed to run the code',
    };
  }

  private async runNow(request: RunRequest): Promise<RunResult> {
    let limits: SandboxLimits;
    const name =
      request.language === 'python'
        ? request.signature.python.name
        : request.signature.javascript.name;
    try {
      limits = this.limitsFor(request);
      if (!IDENTIFIER.test(name)) throw new Error(`invalid function name ${JSON.stringify(name)}`);
      if (request.tests.length === 0) throw new Error('no tests to run');
    } catch (error: unknown) {
      return this.infrastructureError(
        request,
        error instanceof Error ? error.message : String(error),
      );
    }
    let runRoot: string | null = null;
    let seccomp: FileHandle | null = null;
    try {
      // <runRoot>/box is what the sandbox sees; <runRoot>/usage, GNU time's report, stays outside.
      runRoot = await mkdtemp(path.join(this.options.workRoot ?? tmpdir(), 'studypath-sandbox-'));
      const workDir = path.join(runRoot, 'box');
      await mkdir(workDir, { mode: 0o700 });
      const files = HARNESS_FILES[request.language];
      const { visible, hidden } = phasesOf(request);
      const spec = {
        function: name,
        params: request.signature.params.map((p) => p.type),
        returns: request.signature.returns,
      };
      // Only arguments, and only the sample tests': the hidden tests' arguments are handed over
      // on fd 4 once the code is loaded and the samples have run. Expected values never enter.
      const sampleInput = { ...spec, tests: visible.map((i) => request.tests[i].args) };
      const hiddenInput = JSON.stringify({ tests: hidden.map((i) => request.tests[i].args) });
      await Promise.all([
        writeFile(path.join(workDir, files.harness), this.harness[request.language]),
        writeFile(path.join(workDir, files.solution), request.code),
        writeFile(path.join(workDir, 'input.json'), JSON.stringify(sampleInput)),
      ]);
      if (this.options.mode === 'rlimits') {
        await mkdir(path.join(workDir, 'tmp'));
        if (this.runAs !== null) {
          await chown(path.join(workDir, 'tmp'), this.runAs, this.runAs);
        }
      }
      // Private to the submission: its uid may read its files (and write only its tmp/); other
      // local users cannot read the code while it runs. The run root only lets that uid through.
      if (this.runAs !== null) {
        await chown(workDir, this.runAs, this.runAs);
        await chmod(workDir, 0o500);
        await chmod(runRoot, 0o711);
      } else {
        await chmod(workDir, 0o700);
      }
      const seccompFile = this.options.mode === 'bubblewrap' ? this.options.seccompFilter : null;
      if (seccompFile) seccomp = await open(seccompFile, 'r');
      const usage: UsageReport = {
        file: path.join(runRoot, 'usage'),
        marker: `studypath-usage-${randomBytes(16).toString('hex')}`,
      };
      const command = buildCommand({
        mode: this.options.mode,
        tools: this.options.tools,
        language: request.language,
        interpreter: this.options.interpreters[request.language],
        limits,
        workDir,
        runAs: this.runAs,
        tmpSizeMb: this.options.tmpSizeMb ?? 16,
        seccompFd: seccomp ? SECCOMP_FD : null,
        usage,
      });
      const observation = await observe(command, limits, hiddenInput, seccomp?.fd ?? null);
      await seccomp?.close();
      seccomp = null;
      observation.usage = await readUsage(usage, observation);
      const { result, infrastructureDetail } = assembleResult(request, limits, observation);
      if (infrastructureDetail) {
        this.options.logger?.warn(`sandbox infrastructure error: ${infrastructureDetail}`);
      }
      return result;
    } catch (error: unknown) {
      return this.infrastructureError(
        request,
        error instanceof Error ? error.message : String(error),
      );
    } finally {
      await seccomp?.close().catch(() => undefined);
      if (runRoot) await rm(runRoot, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** The fd bubblewrap reads the seccomp filter from (after fds 0-2, the result channel, fd 4). */
const SECCOMP_FD = 5;
/** GNU time's line is at the end of its file: this much of the end is read. */
const USAGE_TAIL_BYTES = 4096;

/**
 * The sandbox's CPU time and peak memory from GNU time's report, or null when there is none: the
 * run was killed from here (time with it), or GNU time is missing. The submission can write to
 * the report's fd, but not the line behind the random marker, written after every process in
 * the sandbox is gone.
 */
async function readUsage(
  usage: UsageReport,
  observation: Observation,
): Promise<ResourceUsage | null> {
  if (observation.killed) return null;
  let tail: string;
  try {
    const file = await open(usage.file, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, USAGE_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      tail = buffer.toString('latin1');
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
  const at = tail.lastIndexOf(`${usage.marker} `);
  if (at === -1) return null;
  const match = /^(\d+\.\d+) (\d+\.\d+) (\d+)\n?$/.exec(tail.slice(at + usage.marker.length + 1));
  if (!match) return null;
  return {
    cpuMs: Math.round((Number(match[1]) + Number(match[2])) * 1000),
    memoryKb: Number(match[3]),
  };
}

/**
 * Runs the command in its own process group and watches it: result lines from fd 3 (parsed and
 * checked one by one), the output size of fds 1 and 2, the wall clock. When the harness asks for
 * the hidden tests, their arguments go down fd 4: every line read after that is of the hidden
 * phase. Kills the whole group on a limit or when the channel shows tampering.
 */
function observe(
  command: ReturnType<typeof buildCommand>,
  limits: SandboxLimits,
  hiddenInput: string,
  seccompFd: number | null,
): Promise<Observation> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const lines: ChannelLine[] = [];
    const observation: Observation = {
      lines,
      wallTimeout: false,
      outputExceeded: null,
      exitCode: null,
      signal: null,
      elapsedMs: 0,
      stderrTail: '',
      spawnError: null,
      killed: false,
      usage: null,
    };
    const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'];
    if (seccompFd !== null) stdio.push(seccompFd);
    const child = spawn(command.file, command.args, {
      cwd: command.cwd,
      env: command.env,
      detached: true,
      stdio,
    });
    const killGroup = () => {
      if (observation.killed || child.pid === undefined) return;
      observation.killed = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      observation.wallTimeout = true;
      killGroup();
    }, limits.wallMs);
    let grace: NodeJS.Timeout | undefined;

    let outputBytes = 0;
    const outputLimit = limits.outputKb * 1024;
    const countOutput = (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > outputLimit && !observation.outputExceeded) {
        observation.outputExceeded = 'output';
        killGroup();
      }
    };
    let stderrTail = Buffer.alloc(0);
    child.stdout?.on('data', countOutput);
    child.stderr?.on('data', (chunk: Buffer) => {
      countOutput(chunk);
      stderrTail = Buffer.concat([stderrTail, chunk]);
      if (stderrTail.length > STDERR_TAIL_BYTES)
        stderrTail = stderrTail.subarray(-STDERR_TAIL_BYTES);
    });

    const hiddenChannel = child.stdio[4] as Writable | null;
    // The sandbox may close its end before reading: nothing to report, the result says why.
    hiddenChannel?.on('error', () => undefined);
    let handedOver = false;
    const protocol = child.stdio[3] as Readable | null;
    let pending: Buffer[] = [];
    let protocolBytes = 0;
    const onLine = (line: string) => {
      if (observation.killed) return;
      const event = parseHarnessLine(line);
      lines.push({ event, hidden: handedOver });
      if (event === null && lines.length > 1) {
        // Not the harness: nothing after it counts, so stop the run now.
        killGroup();
      } else if (event?.t === 'next' && !handedOver) {
        handedOver = true;
        hiddenChannel?.end(hiddenInput);
      } else if (event?.t === 'done' || event?.t === 'load_error') {
        // The harness exits right after these; a submission that keeps it alive is stopped.
        grace ??= setTimeout(killGroup, EXIT_GRACE_MS);
      }
    };
    protocol?.on('data', (chunk: Buffer) => {
      protocolBytes += chunk.length;
      if (protocolBytes > PROTOCOL_LIMIT_BYTES) {
        observation.outputExceeded ??= 'result';
        killGroup();
        return;
      }
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, nl));
        onLine(Buffer.concat(pending).toString('utf8'));
        pending = [];
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    });

    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      return true;
    };
    child.on('error', (error) => {
      observation.spawnError = `${command.file}: ${error.message}`;
      if (child.pid === undefined && settle()) resolve(observation);
    });
    child.on('close', (code, signal) => {
      if (!settle()) return;
      observation.elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      observation.exitCode = code;
      observation.signal =
        signal ?? (code !== null && code > 128 ? (signalNames.get(code - 128) ?? null) : null);
      observation.stderrTail = stderrTail.toString('utf8');
      // Under bubblewrap nothing outlives the sandbox's pid 1; without it, what the submission
      // started is still in the group.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // all gone
      }
      resolve(observation);
    });
  });
}
