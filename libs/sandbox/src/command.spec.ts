import { describe, expect, it } from '@jest/globals';
import { buildCommand, NODE_ADDRESS_SPACE_OVERHEAD_MB, type CommandInput } from './command';
import { resolveLimits } from './limits';

const input = (overrides: Partial<CommandInput> = {}): CommandInput => ({
  mode: 'bubblewrap',
  tools: {
    bwrap: '/usr/bin/bwrap',
    prlimit: '/usr/bin/prlimit',
    time: '/usr/bin/time',
    setpriv: '/usr/bin/setpriv',
    bwrapDisableUserns: true,
  },
  language: 'python',
  interpreter: { executable: '/opt/py/bin/python3.11', version: '3.11.7', binds: ['/opt/py'] },
  limits: resolveLimits({ cpuSeconds: 3, memoryMb: 200 }),
  workDir: '/tmp/studypath-sandbox-x',
  runAs: 65534,
  tmpSizeMb: 16,
  ...overrides,
});

function optionPairs(args: string[], option: string): string[][] {
  const pairs: string[][] = [];
  args.forEach((arg, i) => {
    if (arg === option) pairs.push(args.slice(i + 1, i + 3));
  });
  return pairs;
}

describe('buildCommand', () => {
  it('bubblewrap: namespaces, a clean environment, read-only binds, then prlimit inside', () => {
    const command = buildCommand(input());
    const argv = [command.file, ...command.args];
    expect(argv.slice(0, 5)).toEqual([
      '/usr/bin/setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--',
    ]);
    expect(argv[5]).toBe('/usr/bin/bwrap');
    for (const flag of [
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--clearenv',
      '--as-pid-1',
    ]) {
      expect(argv).toContain(flag);
    }
    expect(argv.join(' ')).toContain('--remount-ro /dev');
    expect(argv).not.toContain('--seccomp');
    expect(optionPairs(argv, '--ro-bind')).toEqual(
      expect.arrayContaining([
        ['/usr', '/usr'],
        ['/opt/py', '/opt/py'],
        ['/tmp/studypath-sandbox-x', '/sandbox'],
      ]),
    );
    expect(argv.join(' ')).toContain('--remount-ro /');
    const separator = argv.indexOf('--', 6);
    expect(argv[separator + 1]).toBe('/usr/bin/prlimit');
    const limits = argv.slice(separator + 2, argv.indexOf('--', separator + 1));
    expect(limits).toEqual([
      '--cpu=3:4',
      `--as=${200 * 1024 * 1024}`,
      `--fsize=${1024 * 1024}`,
      '--core=0',
      '--nofile=256',
      '--nproc=64',
    ]);
    expect(argv.slice(-7)).toEqual([
      '/opt/py/bin/python3.11',
      '-I',
      '-S',
      '-B',
      '/sandbox/harness.py',
      '/sandbox/input.json',
      '/sandbox/solution.py',
    ]);
    expect(Object.keys(command.env).sort()).toEqual(['HOME', 'LANG', 'PATH']);
  });

  it('measures from outside: GNU time first, appending behind the marker, then the uid switch', () => {
    const command = buildCommand(
      input({ usage: { file: '/tmp/run/usage', marker: 'studypath-usage-abc' }, seccompFd: 5 }),
    );
    const argv = [command.file, ...command.args];
    expect(argv.slice(0, 7)).toEqual([
      '/usr/bin/time',
      '-a',
      '-o',
      '/tmp/run/usage',
      '-f',
      'studypath-usage-abc %U %S %M',
      '--',
    ]);
    expect(argv[7]).toBe('/usr/bin/setpriv');
    // The filter is the last bubblewrap option, right before the command.
    const seccomp = argv.indexOf('--seccomp');
    expect(argv.slice(seccomp, seccomp + 3)).toEqual(['--seccomp', '5', '--']);
  });

  it('without GNU time, nothing measures (and nothing breaks)', () => {
    const tools = { ...input().tools, time: null };
    const command = buildCommand(input({ tools, usage: { file: '/x', marker: 'm' } }));
    expect(command.file).toBe('/usr/bin/setpriv');
  });

  it("binds an interpreter installed under /tmp after the sandbox's own /tmp, which would hide it", () => {
    const node = '/tmp/checkout/node_modules/node';
    const command = buildCommand(
      input({
        language: 'javascript',
        interpreter: { executable: `${node}/bin/node`, version: '24.21.0', binds: [node] },
      }),
    );
    const tmpfs = command.args.indexOf('--tmpfs');
    const bind = command.args.findIndex(
      (arg, i) => arg === node && command.args[i - 1] === '--ro-bind',
    );

    expect(command.args[tmpfs + 1]).toBe('/tmp');
    expect(bind).toBeGreaterThan(tmpfs);
  });

  it('node: the heap capped at the memory limit, address space above it', () => {
    const command = buildCommand(
      input({
        language: 'javascript',
        interpreter: { executable: '/usr/bin/node', version: '20.19.0', binds: [] },
      }),
    );
    expect(command.args).toContain(`--as=${(200 + NODE_ADDRESS_SPACE_OVERHEAD_MB) * 1024 * 1024}`);
    expect(command.args).toContain('--max-old-space-size=200');
    expect(command.args.slice(-3)).toEqual([
      '/sandbox/harness.js',
      '/sandbox/input.json',
      '/sandbox/solution.js',
    ]);
  });

  it('rlimits only: behind a shell, without a process limit, when there is no uid to switch to', () => {
    const command = buildCommand(input({ mode: 'rlimits', runAs: null }));
    expect(command.file).toBe('/bin/sh');
    expect(command.args).not.toContain('/usr/bin/bwrap');
    expect(command.args).not.toContain('--seccomp');
    expect(command.args.some((a) => a.startsWith('--nproc'))).toBe(false);
    expect(command.cwd).toBe('/tmp/studypath-sandbox-x/tmp');
    expect(command.args.slice(-3)).toEqual([
      '/tmp/studypath-sandbox-x/harness.py',
      '/tmp/studypath-sandbox-x/input.json',
      '/tmp/studypath-sandbox-x/solution.py',
    ]);
  });
});
