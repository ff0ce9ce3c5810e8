import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import * as path from 'node:path';
import policy from '../seccomp/policy.json';
import { bwrapArgs, SANDBOX_DIR } from './command';
import { findNode, findPython, type Interpreter } from './interpreters';
import { seccompFilterFile } from './seccomp';

const ROOT = path.resolve(__dirname, '../../..');
const PYTHON = '/usr/bin/python3';
const FILTER_FD = 3;

/**
 * Calls every syscall it is given with harmless arguments and prints what each returned: "ok" or
 * the errno's name. The arguments are chosen so that without the filter most answers differ
 * (EFAULT, EBADF, EINVAL, success), which the unfiltered run below shows.
 */
const PYTHON_PROBE = String.raw`
import ctypes, errno, json, os, subprocess, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def raw(nr, *args):
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return "ok" if ret >= 0 else errno.errorcode[ctypes.get_errno()]
def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
numbers = json.loads(sys.argv[1])
out = {}
thread = threading.Thread(target=lambda: out.__setitem__("thread", "ok"))
thread.start()
thread.join()
out["os.fork"] = attempt(fork)
out["subprocess.run"] = attempt(lambda: subprocess.run(["/bin/true"]))
# A thread (CLONE_THREAD) that would also get a network namespace: the filter says EPERM before
# the kernel could say EINVAL (CLONE_THREAD without CLONE_SIGHAND).
out["clone(CLONE_THREAD|CLONE_NEWNET)"] = raw(numbers["clone"], 0x10000 | 0x40000000)
for name, nr in numbers.items():
    if name not in ("clone", "fork", "vfork"):
        out[name] = raw(nr, *((-1, 0, 0, 0, 0, 0) if name == "ptrace" else (0, 0, 0, 0, 0, 0)))
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("Seccomp:"):
            out["Seccomp"] = line.split()[1]
print(json.dumps(out))
`;

const NODE_PROBE = String.raw`
const { execSync, spawnSync } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const out = {};
try {
  execSync('/bin/true', { stdio: 'ignore' });
  out.execSync = 'ok';
} catch (error) {
  out.execSync = error.code;
}
const spawned = spawnSync('/bin/true');
out.spawnSync = spawned.error ? spawned.error.code : 'ok';
new Worker('require("node:worker_threads").parentPort.postMessage("ok")', { eval: true }).once(
  'message',
  (message) => {
    out.worker = message;
    console.log(JSON.stringify(out));
    process.exit(0);
  },
);
`;

/** Another ABI's getpid: i386 through int 0x80 (from machine code), or x32's syscall bit. */
const OTHER_ABI_PROBE = String.raw`
import ctypes, mmap, sys
if sys.argv[1] == "i386":
    code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])  # mov eax, 20; int 0x80; ret
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()
else:
    ctypes.CDLL(None).syscall(0x40000000 | 39)
print("survived")
`;

/** The policy's syscalls (and clone) by number on this machine, from libseccomp's tables. */
function syscallNumbers(): Record<string, number> {
  const names = [...policy.deny.map((rule) => rule.syscall), 'clone'];
  const script =
    'import json, sys, seccomp\n' +
    'numbers = {n: seccomp.resolve_syscall(seccomp.Arch.NATIVE, n) for n in json.loads(sys.argv[1])}\n' +
    'print(json.dumps({n: nr for n, nr in numbers.items() if nr >= 0}))';
  const numbers: Record<string, number> = JSON.parse(
    execFileSync(PYTHON, ['-c', script, JSON.stringify(names)], { encoding: 'utf8' }),
  );
  return numbers;
}

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let workDir: string;
let python: Interpreter;
let node: Interpreter;
let numbers: Record<string, number>;
const tools = {
  bwrap: '/usr/bin/bwrap',
  prlimit: '/usr/bin/prlimit',
  time: null,
  setpriv: null,
  bwrapDisableUserns: false,
};

/**
 * Runs `argv` inside bubblewrap the way a submission runs (the same namespaces and binds), with
 * the shipped filter on fd 3 unless `filter` is false; `wrap` goes in front of bwrap.
 */
function sandboxed(
  interpreter: Interpreter,
  argv: string[],
  { filter = true, wrap = [] }: { filter?: boolean; wrap?: string[] } = {},
): Outcome {
  const file = seccompFilterFile();
  if (!file) throw new Error(`no seccomp filter for ${process.arch}`);
  const fd = openSync(file, 'r');
  try {
    const args = [
      ...bwrapArgs({ tools, interpreter, workDir, tmpSizeMb: 1 }),
      ...(filter ? ['--seccomp', String(FILTER_FD)] : []),
      '--',
      ...argv,
    ];
    const command = [...wrap, tools.bwrap, ...args];
    const result = spawnSync(command[0] ?? '', command.slice(1), {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe', fd],
      encoding: 'utf8',
      timeout: 20_000,
    });
    return {
      status: result.status,
      signal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  } finally {
    closeSync(fd);
  }
}

function json(outcome: Outcome): Record<string, string> {
  if (outcome.status !== 0) {
    throw new Error(`exit ${String(outcome.status ?? outcome.signal)}: ${outcome.stderr}`);
  }
  const result: Record<string, string> = JSON.parse(outcome.stdout);
  return result;
}

const pythonProbe = (): string[] => [
  python.executable,
  '-I',
  '-S',
  `${SANDBOX_DIR}/probe.py`,
  JSON.stringify(numbers),
];

/** What the policy says each probed syscall answers (clone and fork are probed their own way). */
function expectedDenials(): Record<string, string> {
  return Object.fromEntries(
    policy.deny
      .filter((rule) => rule.syscall in numbers && !['fork', 'vfork'].includes(rule.syscall))
      .map((rule) => [rule.syscall, rule.errno]),
  );
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'studypath-seccomp-'));
  writeFileSync(path.join(workDir, 'probe.py'), PYTHON_PROBE);
  writeFileSync(path.join(workDir, 'probe.js'), NODE_PROBE);
  writeFileSync(path.join(workDir, 'other-abi.py'), OTHER_ABI_PROBE);
  // Readable by the unprivileged uid of the Docker-profile runs.
  chmodSync(workDir, 0o755);
  python = await findPython(PYTHON);
  node = await findNode();
  numbers = syscallNumbers();
  tools.bwrapDisableUserns = execFileSync(tools.bwrap, ['--help'], { encoding: 'utf8' }).includes(
    '--disable-userns',
  );
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('the sandbox seccomp filter, loaded by bubblewrap', () => {
  it('python: threads run; processes, namespaces, mounts and the rest are refused', () => {
    const result = json(sandboxed(python, pythonProbe()));

    expect(result).toMatchObject({
      thread: 'ok',
      'os.fork': 'EPERM',
      'subprocess.run': 'EPERM',
      'clone(CLONE_THREAD|CLONE_NEWNET)': 'EPERM',
      clone3: 'ENOSYS',
      Seccomp: '2',
      ...expectedDenials(),
    });
  });

  it('python without the filter: the same probes get through (the errnos above are the filter’s)', () => {
    const result = json(sandboxed(python, pythonProbe(), { filter: false }));

    expect(result).toMatchObject({
      thread: 'ok',
      'os.fork': 'ok',
      'subprocess.run': 'ok',
      'clone(CLONE_THREAD|CLONE_NEWNET)': 'EINVAL',
      clone3: 'EINVAL',
      unshare: 'ok',
      Seccomp: '0',
    });
  });

  it('node: worker threads run; child_process cannot start anything', () => {
    const result = json(sandboxed(node, [node.executable, `${SANDBOX_DIR}/probe.js`]));

    expect(result).toEqual({ execSync: 'EPERM', spawnSync: 'EPERM', worker: 'ok' });
  });

  const killedBySigsys = (outcome: Outcome): boolean =>
    outcome.signal === 'SIGSYS' || outcome.status === 128 + osConstants.signals.SIGSYS;

  (process.arch === 'x64' ? it.each(['i386', 'x32']) : it.skip.each(['i386', 'x32']))(
    'kills a process that makes %s syscalls instead of letting them around the rules',
    (abi) => {
      const argv = [python.executable, '-I', '-S', `${SANDBOX_DIR}/other-abi.py`, abi];

      // A kernel without the ABI (ia32_emulation=0, no x32) leaves nothing to get around the filter.
      if (!sandboxed(python, argv, { filter: false }).stdout.includes('survived')) return;

      const filtered = sandboxed(python, argv);
      expect(filtered.stdout).not.toContain('survived');
      expect(killedBySigsys(filtered)).toBe(true);
    },
  );
});

describe('bubblewrap under the evaluation container’s Docker seccomp profile', () => {
  // No Docker engine here: the profile is compiled with libseccomp the way runc does
  // (tools/seccomp/run-under-docker-profile.py), around an unprivileged user, as in the container.
  const unprivileged =
    process.getuid?.() === 0
      ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--']
      : [];
  const underProfile = (profile: string): string[] => [
    PYTHON,
    path.join(ROOT, 'tools/seccomp/run-under-docker-profile.py'),
    profile,
    '--',
    ...unprivileged,
  ];
  const profile = path.join(ROOT, 'deploy/docker/seccomp-evaluation.json');

  it('builds the sandbox, and python and node run in it under the sandbox filter', () => {
    const wrap = underProfile(profile);

    expect(json(sandboxed(python, pythonProbe(), { wrap }))).toMatchObject({
      thread: 'ok',
      'os.fork': 'EPERM',
      Seccomp: '2',
    });
    expect(
      json(sandboxed(node, [node.executable, `${SANDBOX_DIR}/probe.js`], { wrap })),
    ).toMatchObject({ worker: 'ok', execSync: 'EPERM' });
  });

  it('needs its bubblewrap rule: without it bwrap cannot create its namespaces', () => {
    const full: { syscalls: { names: string[] }[] } = JSON.parse(readFileSync(profile, 'utf8'));
    const stripped = {
      ...full,
      syscalls: full.syscalls.filter((rule) => !rule.names.includes('unshare')),
    };
    const file = path.join(workDir, 'without-bubblewrap.json');
    writeFileSync(file, JSON.stringify(stripped));

    const outcome = sandboxed(python, pythonProbe(), { wrap: underProfile(file) });
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toMatch(/bwrap/);
  });
});
