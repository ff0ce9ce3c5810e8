import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An interpreter the sandbox runs, and the host directories it needs besides the system's. */
export interface Interpreter {
  /** The real binary (symlinks and shims resolved): what runs inside the sandbox. */
  executable: string;
  version: string;
  /** Directories outside /usr the interpreter needs (its installation prefix), bound read-only. */
  binds: string[];
}

export interface Interpreters {
  python: Interpreter;
  javascript: Interpreter;
}

/** Paths the sandbox always binds read-only: anything under them needs no extra bind. */
export const SYSTEM_PREFIXES = ['/usr', '/bin', '/lib', '/lib64', '/lib32', '/libx32', '/sbin'];

function isUnder(file: string, dir: string): boolean {
  return file === dir || file.startsWith(`${dir}/`);
}

function extraBinds(executable: string, prefix: string): string[] {
  if (SYSTEM_PREFIXES.some((dir) => isUnder(executable, dir))) return [];
  const dirs = [prefix];
  // The binary itself may live outside its prefix (a copied or linked virtualenv).
  if (!isUnder(executable, prefix)) dirs.push(path.dirname(executable));
  return dirs;
}

const PYTHON_PROBE =
  'import json,sys;print(json.dumps({"exe":sys.executable,"prefix":sys.base_prefix,"version":"%d.%d.%d" % sys.version_info[:3],"ok":sys.version_info>=(3,10)}))';

async function probePython(candidate: string): Promise<Interpreter> {
  const { stdout } = await run(candidate, ['-I', '-S', '-c', PYTHON_PROBE], { timeout: 10_000 });
  const info = JSON.parse(stdout.trim()) as {
    exe: string;
    prefix: string;
    version: string;
    ok: boolean;
  };
  if (!info.ok) throw new Error(`${candidate} is Python ${info.version}; the sandbox needs 3.10+`);
  const executable = realpathSync(info.exe);
  return { executable, version: info.version, binds: extraBinds(executable, info.prefix) };
}

/**
 * Finds python3 for the sandbox: a configured path, else /usr/bin/python3 when it works (the
 * system interpreter needs no extra bind), else whatever `python3` on PATH really runs (a pyenv
 * shim is a script: sys.executable names the real binary, sys.base_prefix its installation).
 */
export async function findPython(configured?: string): Promise<Interpreter> {
  const candidates = configured
    ? [configured]
    : ['/usr/bin/python3', 'python3'].filter((c) => c === 'python3' || existsSync(c));
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return await probePython(candidate);
    } catch (error: unknown) {
      failures.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`no usable Python 3.10+ for the sandbox (${failures.join('; ')})`);
}

/** Finds node for the sandbox: a configured path, else the binary running this process. */
export async function findNode(configured?: string): Promise<Interpreter> {
  const executable = realpathSync(configured ?? process.execPath);
  const { stdout } = await run(executable, ['-p', 'process.versions.node'], { timeout: 10_000 });
  const version = stdout.trim();
  if (Number(version.split('.')[0]) < 18) {
    throw new Error(`${executable} is Node.js ${version}; the sandbox needs 18+`);
  }
  // A node installation is <prefix>/bin/node with its own lib/ next to bin/.
  return {
    executable,
    version,
    binds: extraBinds(executable, path.dirname(path.dirname(executable))),
  };
}

export async function findInterpreters(configured: {
  python?: string;
  node?: string;
}): Promise<Interpreters> {
  const [python, javascript] = await Promise.all([
    findPython(configured.python),
    findNode(configured.node),
  ]);
  return { python, javascript };
}
