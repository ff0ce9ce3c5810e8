import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import policy from '../seccomp/policy.json';
import { seccompFilterFile } from './seccomp';

const ROOT = path.resolve(__dirname, '../../..');
const GENERATOR = path.join(ROOT, 'tools/seccomp/generate-bpf.py');
const ARCHES = ['x64', 'arm64'];
/** BPF_MAXINSNS: the kernel refuses a longer classic-BPF program. */
const MAX_INSTRUCTIONS = 4096;

describe('seccompFilterFile', () => {
  it.each(ARCHES)('names the shipped filter for %s, by absolute path', (arch) => {
    const file = seccompFilterFile(arch);

    expect(file).not.toBeNull();
    expect(path.isAbsolute(file ?? '')).toBe(true);
    expect(existsSync(file ?? '')).toBe(true);
  });

  it('has none for other architectures', () => {
    for (const arch of ['ia32', 'arm', 's390x', 'riscv64', 'constructor', '']) {
      expect(seccompFilterFile(arch)).toBeNull();
    }
  });

  it.each(ARCHES)('ships a whole classic-BPF program for %s', (arch) => {
    const bytes = readFileSync(seccompFilterFile(arch) ?? '');

    // struct sock_filter is 8 bytes; a program ends with a return.
    expect(bytes.length % 8).toBe(0);
    expect(bytes.length / 8).toBeGreaterThan(0);
    expect(bytes.length / 8).toBeLessThanOrEqual(MAX_INSTRUCTIONS);
    const lastCode = bytes.readUInt16LE(bytes.length - 8);
    expect(lastCode & 0x07).toBe(0x06); // BPF_RET
  });
});

describe('the shipped filters are current', () => {
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'studypath-seccomp-'));
  });

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('equal what tools/seccomp/generate-bpf.py makes of policy.json', () => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import seccomp'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(
        `/usr/bin/python3 cannot import seccomp, which generates the filters: apt-get install python3-seccomp (${probe.error?.message ?? probe.stderr.trim()})`,
      );
    }
    execFileSync('/usr/bin/python3', [GENERATOR, '--out-dir', out], { encoding: 'utf8' });

    const stale = ARCHES.map((arch) => seccompFilterFile(arch) ?? '')
      .filter(
        (file) => !readFileSync(path.join(out, path.basename(file))).equals(readFileSync(file)),
      )
      .map((file) => `${path.relative(ROOT, file)} is stale: npm run seccomp:generate`);
    expect(stale).toEqual([]);
  });
});

describe('policy.json', () => {
  const denied = new Map(policy.deny.map((rule) => [rule.syscall, rule]));

  it('denies what the sandbox must never do', () => {
    const required = [
      'io_uring_setup',
      'io_uring_enter',
      'io_uring_register',
      'bpf',
      'keyctl',
      'add_key',
      'request_key',
      'perf_event_open',
      'userfaultfd',
      'ptrace',
      'process_vm_readv',
      'process_vm_writev',
      'mount',
      'umount2',
      'pivot_root',
      'chroot',
      'move_mount',
      'open_tree',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'mount_setattr',
      'unshare',
      'setns',
      'kexec_load',
      'kexec_file_load',
      'init_module',
      'finit_module',
      'delete_module',
      'fork',
      'vfork',
      'memfd_create',
      'reboot',
      'swapon',
      'swapoff',
      'acct',
      'quotactl',
      'name_to_handle_at',
      'open_by_handle_at',
      'syslog',
      'settimeofday',
      'clock_settime',
      'clock_adjtime',
      'adjtimex',
      'iopl',
      'ioperm',
    ];

    expect(required.filter((name) => denied.get(name)?.errno !== 'EPERM')).toEqual([]);
  });

  it('answers clone3 with ENOSYS, so that glibc falls back to clone, whose flags it checks', () => {
    expect(denied.get('clone3')?.errno).toBe('ENOSYS');
    expect(policy.clone).toMatchObject({ errno: 'EPERM', requiredFlags: ['CLONE_THREAD'] });
    expect(policy.clone.forbiddenFlags).toEqual(
      expect.arrayContaining(['CLONE_NEWUSER', 'CLONE_NEWNS', 'CLONE_NEWPID', 'CLONE_NEWNET']),
    );
  });

  it('leaves execve alone (prlimit execs the interpreter after the filter is loaded)', () => {
    expect(denied.has('execve')).toBe(false);
    expect(denied.has('execveat')).toBe(false);
    expect(denied.has('clone')).toBe(false);
  });

  it('gives every rule a reason, once', () => {
    expect(policy.deny.filter((rule) => rule.reason.trim() === '')).toEqual([]);
    expect(denied.size).toBe(policy.deny.length);
    expect(policy.clone.reason.trim()).not.toBe('');
  });
});
