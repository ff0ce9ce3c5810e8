import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// A structural test: there is no Docker engine here. libs/sandbox/src/seccomp.int-spec.ts also
// runs bubblewrap under this profile, compiled with libseccomp the way runc compiles it.

interface Condition {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Condition[];
  comment?: string;
}

interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap: { architecture: string; subArchitectures: string[] | null }[];
  syscalls: Rule[];
}

interface Policy {
  deny: { syscall: string; errno: string; reason: string }[];
}

const ROOT = path.resolve(__dirname, '../..');
const profile: Profile = JSON.parse(
  readFileSync(path.join(ROOT, 'deploy/docker/seccomp-evaluation.json'), 'utf8'),
);
const policy: Policy = JSON.parse(
  readFileSync(path.join(ROOT, 'libs/sandbox/seccomp/policy.json'), 'utf8'),
);

const ACTIONS = [
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
];
const OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
];
const RULE_KEYS = ['names', 'action', 'errnoRet', 'args', 'comment'];
const EPERM = 1;
const ENOSYS = 38;

/**
 * Every syscall `strace -f` saw (x86_64) while the evaluation service's code runner probed
 * bubblewrap and ran a Python and a JavaScript submission, as an unprivileged user as in the
 * container (the service's node, GNU time, bwrap, prlimit, python3 and node inside), plus a Node
 * HTTP/TCP/DNS/fs/worker/child_process probe standing in for the rest of the service. Left out:
 * io_uring_* (libuv tries them and falls back to epoll and its thread pool when refused) and
 * clone3 (answered ENOSYS, glibc falls back to clone).
 */
const OBSERVED = [
  'accept4',
  'access',
  'arch_prctl',
  'bind',
  'brk',
  'capget',
  'capset',
  'chdir',
  'chmod',
  'clock_nanosleep',
  'clone',
  'close',
  'connect',
  'creat',
  'dup2',
  'epoll_create1',
  'epoll_ctl',
  'epoll_pwait',
  'eventfd2',
  'execve',
  'exit',
  'exit_group',
  'faccessat2',
  'fchdir',
  'fcntl',
  'flock',
  'fstat',
  'fstatfs',
  'futex',
  'getcwd',
  'getdents64',
  'getegid',
  'geteuid',
  'getgid',
  'getpeername',
  'getpid',
  'getppid',
  'getrandom',
  'getsockname',
  'getsockopt',
  'gettid',
  'getuid',
  'ioctl',
  'kill',
  'listen',
  'lseek',
  'madvise',
  'mkdir',
  'mmap',
  'mount',
  'mprotect',
  'mremap',
  'munmap',
  'newfstatat',
  'open',
  'openat',
  'pipe2',
  'pivot_root',
  'poll',
  'prctl',
  'pread64',
  'prlimit64',
  'read',
  'readlink',
  'recvfrom',
  'rename',
  'rmdir',
  'rseq',
  'rt_sigaction',
  'rt_sigprocmask',
  'rt_sigreturn',
  'sched_getaffinity',
  'sched_getparam',
  'sched_getscheduler',
  'sched_yield',
  'sendto',
  'set_robust_list',
  'set_tid_address',
  'sethostname',
  'setsid',
  'setsockopt',
  'shutdown',
  'signalfd4',
  'socket',
  'socketpair',
  'statfs',
  'statx',
  'symlink',
  'sysinfo',
  'umask',
  'umount2',
  'uname',
  'unlink',
  'unshare',
  'wait4',
  'write',
  // Only when the service runs as root: setpriv switches to an unprivileged uid first.
  'chown',
  'getresgid',
  'getresuid',
  'setgroups',
  'setresgid',
  'setresuid',
];

/** What bubblewrap needs beyond Docker's default profile, as an unprivileged user. */
const BUBBLEWRAP = ['clone', 'unshare', 'mount', 'umount2', 'pivot_root', 'sethostname'];

const allowing = (name: string): Rule[] =>
  profile.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && rule.names.includes(name));

describe('deploy/docker/seccomp-evaluation.json', () => {
  it('is a Docker seccomp profile', () => {
    expect(Object.keys(profile).sort()).toEqual([
      'archMap',
      'defaultAction',
      'defaultErrnoRet',
      'syscalls',
    ]);
    for (const rule of profile.syscalls) {
      expect(Object.keys(rule).filter((key) => !RULE_KEYS.includes(key))).toEqual([]);
      expect(rule.names.length).toBeGreaterThan(0);
      expect(ACTIONS).toContain(rule.action);
      expect(rule.errnoRet === undefined || rule.action === 'SCMP_ACT_ERRNO').toBe(true);
      for (const condition of rule.args ?? []) {
        expect(OPERATORS).toContain(condition.op);
        expect(condition.index).toBeGreaterThanOrEqual(0);
        expect(condition.index).toBeLessThanOrEqual(5);
        expect(Number.isInteger(condition.value)).toBe(true);
      }
    }
  });

  it('refuses what it does not list (EPERM)', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(EPERM);
  });

  it('filters x86_64 and aarch64 only: i386, x32 and arm32 syscalls are not let through', () => {
    expect(profile.archMap).toEqual([
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: [] },
    ]);
  });

  it('names each syscall once, and only syscalls libseccomp knows', () => {
    const names = profile.syscalls.flatMap((rule) => rule.names);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);

    const script =
      'import json, sys, seccomp\n' +
      'arches = [seccomp.Arch.X86_64, seccomp.Arch.AARCH64]\n' +
      'print(json.dumps([n for n in json.loads(sys.argv[1]) if all(seccomp.resolve_syscall(a, n) < 0 for a in arches)]))';
    let unknown: string[];
    try {
      unknown = JSON.parse(
        execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify(names)], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    } catch (error: unknown) {
      throw new Error(
        `checking syscall names needs /usr/bin/python3 with the seccomp module (apt-get install python3-seccomp): ${String(error)}`,
      );
    }
    expect(unknown).toEqual([]);
  });

  it('allows every syscall the service, bubblewrap and the interpreters were seen to make', () => {
    expect(OBSERVED.filter((name) => allowing(name).length === 0)).toEqual([]);
  });

  it('allows bubblewrap its namespaces and mounts, whatever the flags', () => {
    for (const name of BUBBLEWRAP) {
      expect({ name, rules: allowing(name).map((rule) => rule.args ?? []) }).toEqual({
        name,
        rules: [[]],
      });
    }
  });

  it('refuses only AF_VSOCK sockets', () => {
    expect(allowing('socket').map((rule) => rule.args)).toEqual([
      [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }],
    ]);
  });

  it('answers clone3 with ENOSYS, so that glibc falls back to clone', () => {
    expect(profile.syscalls.filter((rule) => rule.names.includes('clone3'))).toEqual([
      expect.objectContaining({ action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS }),
    ]);
  });

  it("refuses everything the sandbox's policy denies that bubblewrap does not need", () => {
    const needed = new Set(BUBBLEWRAP);
    const dangerous = policy.deny.map((rule) => rule.syscall).filter((name) => !needed.has(name));

    expect(dangerous).toEqual(expect.arrayContaining(['io_uring_setup', 'bpf', 'setns', 'ptrace']));
    expect(dangerous.filter((name) => allowing(name).length > 0)).toEqual([]);
  });
});
