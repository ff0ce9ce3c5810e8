import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import type { Comparator, FunctionSignature } from '@studypath/problem-bank';
import type { RunRequest, SandboxLimits } from './code-runner';
import { assertIsolation } from './code-runner';
import { createCodeRunner } from './create-code-runner';
import { type LocalSandbox } from './local-sandbox';

type Language = RunRequest['language'];
const LANGUAGES: Language[] = ['python', 'javascript'];
const FAST: Partial<SandboxLimits> = { cpuSeconds: 1, wallMs: 4000 };

function signature(params: string[], returns: string): FunctionSignature {
  return {
    params: params.map((type, i) => ({ name: `p${i}`, type })),
    returns,
    python: { name: 'solve', stub: '' },
    javascript: { name: 'solve', stub: '' },
  };
}

const exact: Comparator = { kind: 'exact' };

let runner: LocalSandbox;

function request(
  language: Language,
  code: string,
  tests: RunRequest['tests'] = [{ args: [], expected: 'ok', hidden: false }],
  extra: Partial<RunRequest> = {},
): RunRequest {
  return {
    language,
    code,
    signature: signature(tests[0]?.args.map(() => 'any') ?? [], 'any'),
    comparator: exact,
    tests,
    ...extra,
  };
}

const ADD: Record<Language, string> = {
  python: 'def solve(a, b):\n    return a + b\n',
  javascript: 'function solve(a, b) {\n  return a + b;\n}\n',
};

/** After every attack: a plain correct submission still passes, in both languages. */
async function expectNextSubmissionWorks(): Promise<void> {
  for (const language of LANGUAGES) {
    const result = await runner.run(
      request(language, ADD[language], [
        { args: [1, 2], expected: 3, hidden: false },
        { args: [-5, 5], expected: 0, hidden: true },
      ]),
    );
    expect(result).toMatchObject({ status: 'passed', passed: 2, total: 2, score: 1 });
  }
}

beforeAll(async () => {
  runner = await createCodeRunner({ requireIsolation: true });
});

describe('LocalSandbox (bubblewrap)', () => {
  it('isolates, and says so', () => {
    const isolation = runner.describeIsolation();
    expect(isolation.isolated).toBe(true);
    expect(isolation.mechanism).toMatch(/bubblewrap/);
    expect(() => assertIsolation(runner)).not.toThrow();
    expect(() => runner.assertIsolation()).not.toThrow();
  });

  describe.each(LANGUAGES)('%s', (language) => {
    const code = (python: string, javascript: string) =>
      language === 'python' ? python : javascript;

    it('passes a correct solution and fails a wrong one, with per-test details', async () => {
      const tests = [
        { args: [1, 2], expected: 3, hidden: false },
        { args: [2, 2], expected: 4, hidden: false },
        { args: [10, -3], expected: 7, hidden: true },
      ];
      const good = await runner.run(request(language, ADD[language], tests));
      expect(good).toMatchObject({
        status: 'passed',
        passed: 3,
        total: 3,
        score: 1,
        message: null,
      });
      expect(good.tests.map((t) => t.status)).toEqual(['pass', 'pass', 'pass']);
      expect(good.tests[0]).toMatchObject({ index: 0, hidden: false, actual: '3', expected: '3' });
      expect(good.runtime_ms).toEqual(expect.any(Number));
      expect(good.memory_kb).toBeGreaterThan(1000);

      const wrong = await runner.run(
        request(
          language,
          code(
            'def solve(a, b):\n    return a * b\n',
            'function solve(a, b) {\n  return a * b;\n}\n',
          ),
          tests,
        ),
      );
      expect(wrong.status).toBe('failed');
      expect(wrong).toMatchObject({ passed: 1, total: 3, score: 1 / 3 });
      expect(wrong.tests.map((t) => t.status)).toEqual(['fail', 'pass', 'fail']);
      expect(wrong.tests[0]).toMatchObject({
        index: 0,
        status: 'fail',
        actual: '2',
        expected: '3',
        message: 'wrong answer',
      });
      expect(wrong.message).toMatch(/^1 of 3 tests passed; test 1: wrong answer/);
    });

    it('converts ListNode and TreeNode arguments and results', async () => {
      const reverse = await runner.run({
        ...request(
          language,
          code(
            'def solve(head):\n    prev = None\n    while head:\n        head.next, prev, head = prev, head, head.next\n    return prev\n',
            'function solve(head) {\n  let prev = null;\n  while (head) { const next = head.next; head.next = prev; prev = head; head = next; }\n  return prev;\n}\n',
          ),
          [
            { args: [[1, 2, 3]], expected: [3, 2, 1], hidden: false },
            { args: [[]], expected: [], hidden: false },
          ],
        ),
        signature: signature(['ListNode'], 'ListNode'),
      });
      expect(reverse.status).toBe('passed');
      const mirror = await runner.run({
        ...request(
          language,
          code(
            'def solve(root):\n    if root:\n        root.left, root.right = solve(root.right), solve(root.left)\n    return root\n',
            'function solve(root) {\n  if (root) [root.left, root.right] = [solve(root.right), solve(root.left)];\n  return root;\n}\n',
          ),
          [
            { args: [[4, 2, 7, 1, 3]], expected: [4, 7, 2, null, null, 3, 1], hidden: false },
            { args: [[]], expected: [], hidden: false },
          ],
        ),
        signature: signature(['TreeNode'], 'TreeNode'),
      });
      expect(mirror.status).toBe('passed');
    });

    it('reports a syntax error', async () => {
      const result = await runner.run(
        request(
          language,
          code('def solve(:\n    return 1\n', 'function solve( {\n  return 1;\n}\n'),
        ),
      );
      expect(result.status).toBe('syntax_error');
      expect(result.message).toMatch(/SyntaxError/);
      expect(result.tests.every((t) => t.status === 'not_run')).toBe(true);
      expect(result.score).toBe(0);
    });

    it('reports a missing function as code that does not load', async () => {
      const result = await runner.run(
        request(language, code('def other():\n    return 1\n', 'function other() {}\n')),
      );
      expect(result.status).toBe('syntax_error');
      expect(result.message).toMatch(/does not define the function solve/);
    });

    it('reports an exception with its line, and still runs the other tests', async () => {
      const result = await runner.run(
        request(
          language,
          code(
            'def solve(x):\n    if x == 0:\n        raise ValueError("zero is not allowed")\n    return x\n',
            'function solve(x) {\n  if (x === 0) {\n    throw new TypeError("zero is not allowed");\n  }\n  return x;\n}\n',
          ),
          [
            { args: [1], expected: 1, hidden: false },
            { args: [0], expected: 0, hidden: false },
            { args: [2], expected: 2, hidden: false },
          ],
        ),
      );
      expect(result.status).toBe('error');
      expect(result.tests.map((t) => t.status)).toEqual(['pass', 'error', 'pass']);
      expect(result.tests[1].message).toBe(
        language === 'python'
          ? 'ValueError: zero is not allowed (line 3)'
          : 'TypeError: zero is not allowed (line 3)',
      );
      expect(result.message).toMatch(/^test 2: .*zero is not allowed/);
    });

    it('keeps tests 1-6 when test 7 of 10 times out', async () => {
      const tests = Array.from({ length: 10 }, (_, i) => ({
        args: [i + 1],
        expected: (i + 1) * 2,
        hidden: false,
      }));
      const started = Date.now();
      const result = await runner.run(
        request(
          language,
          code(
            'def solve(x):\n    while x == 7:\n        pass\n    return x * 2\n',
            'function solve(x) {\n  while (x === 7) {}\n  return x * 2;\n}\n',
          ),
          tests,
          { limits: FAST },
        ),
      );
      expect(Date.now() - started).toBeLessThan(4000);
      expect(result.status).toBe('timeout');
      expect(result.tests.map((t) => t.status)).toEqual([
        ...Array<string>(6).fill('pass'),
        'timeout',
        ...Array<string>(3).fill('not_run'),
      ]);
      expect(result).toMatchObject({ passed: 6, total: 10, score: 0.6 });
      expect(result.message).toMatch(/^test 7: time limit exceeded/);
      expect(result.tests[5].actual).toBe('12');
    });

    it('never reveals actual or expected values of hidden tests', async () => {
      const secretExpected = 'expected-7f3a9c';
      const result = await runner.run(
        request(
          language,
          code(
            'def solve(x):\n    return "actual-" + x\n',
            'function solve(x) {\n  return "actual-" + x;\n}\n',
          ),
          [
            { args: ['visible'], expected: 'actual-visible', hidden: false },
            { args: ['b1d2e4'], expected: secretExpected, hidden: true },
            { args: ['c0ffee'], expected: 'actual-c0ffee', hidden: true },
          ],
        ),
      );
      expect(result.status).toBe('failed');
      expect(result.tests.map((t) => t.status)).toEqual(['pass', 'fail', 'pass']);
      for (const test of result.tests.filter((t) => t.hidden)) {
        expect(test).toMatchObject({ input: null, actual: null, expected: null, time_ms: null });
      }
      expect(result.tests[0]).toMatchObject({
        input: '["visible"]',
        actual: '"actual-visible"',
        expected: '"actual-visible"',
      });
      expect(result.tests[1].message).toBe('wrong answer');
      expect(result.message).toBe('2 of 3 tests passed; hidden test 2: wrong answer');
      const text = JSON.stringify(result);
      expect(text).not.toContain(secretExpected);
      expect(text).not.toContain('actual-b1d2e4');
      expect(text).not.toContain('actual-c0ffee');
    });

    it("does not let an exception carry a hidden test's input out", async () => {
      const result = await runner.run(
        request(
          language,
          code(
            'def solve(x):\n    raise ValueError("leak " + x)\n',
            'function solve(x) {\n  throw new TypeError("leak " + x);\n}\n',
          ),
          [{ args: ['hidden-input-5e1f'], expected: 'x', hidden: true }],
        ),
      );
      expect(result.status).toBe('error');
      // Not even the exception's class: a submission could name one after the input.
      expect(result.tests[0]?.message).toBe('runtime error');
      expect(result.message).toBe('hidden test 1: runtime error');
      expect(JSON.stringify(result)).not.toMatch(/hidden-input-5e1f|ValueError|TypeError|leak/);
    });
  });

  it("keeps a run's directory private to the submission while it runs", async () => {
    const workRoot = await mkdtemp(path.join(tmpdir(), 'studypath-runs-'));
    await chmod(workRoot, 0o711); // like /tmp: the submission's uid passes through, lists nothing
    try {
      const private_ = await createCodeRunner({ requireIsolation: true, workRoot });
      const seen = new Set<string>();
      let done = false;
      const running = private_
        .run(request('python', 'import time\ndef solve():\n    time.sleep(1)\n    return "ok"\n'))
        .finally(() => (done = true));
      const roots = new Set<string>();
      while (!done) {
        for (const name of await readdir(workRoot)) {
          const root = await stat(path.join(workRoot, name)).catch(() => undefined);
          const box = await stat(path.join(workRoot, name, 'box')).catch(() => undefined);
          if (root) roots.add(`${(root.mode & 0o777).toString(8)} uid ${root.uid}`);
          if (box) seen.add(`${(box.mode & 0o777).toString(8)} uid ${box.uid}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await running).status).toBe('passed');

      // As root the submission runs as uid 65534, which owns its directory; nobody else reads it.
      // The run's root (with GNU time's report) is the service's: the submission may only pass.
      const root = process.getuid?.() === 0;
      const mine = root ? '500 uid 65534' : `700 uid ${process.getuid?.()}`;
      expect(seen).toContain(mine);
      for (const observed of seen) expect(observed).toMatch(/^[57]00 /);
      // (mkdtemp makes it 0700; as root it opens to 0711 before the sandbox starts.)
      for (const observed of roots) {
        expect(observed).toMatch(
          root ? /^7(00|11) uid 0$/ : new RegExp(`^700 uid ${process.getuid?.()}$`),
        );
      }
      if (root) expect(roots).toContain('711 uid 0');
    } finally {
      await rm(workRoot, { recursive: true, force: true });
    }
  });

  describe('attacks are contained, and the next submission works', () => {
    let listener: Server;
    let port = 0;
    let connections = 0;
    const secret = `sk-test-${randomBytes(8).toString('hex')}`;
    const secretFiles = [
      path.join('/root', `.studypath-sandbox-secret-${process.pid}`),
      path.resolve(__dirname, `../../../tmp/sandbox-secret-${process.pid}.txt`),
    ];
    const escapeTarget = path.resolve(__dirname, `../../../tmp/sandbox-escape-${process.pid}.txt`);

    beforeAll(async () => {
      listener = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const address = listener.address();
      port = typeof address === 'object' && address ? address.port : 0;
      for (const file of secretFiles) {
        try {
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, secret);
        } catch {
          // /root may not be writable when the tests do not run as root
        }
      }
      process.env.STUDYPATH_SANDBOX_FAKE_SECRET = secret;
    });

    afterAll(async () => {
      delete process.env.STUDYPATH_SANDBOX_FAKE_SECRET;
      for (const file of [...secretFiles, escapeTarget]) rmSync(file, { force: true });
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    });

    it.each(LANGUAGES)(
      '%s: no network, neither a local listener nor the internet',
      async (language) => {
        for (const [host, targetPort] of [
          ['127.0.0.1', port],
          ['1.1.1.1', 53],
        ] as const) {
          const result = await runner.run(
            request(
              language,
              language === 'python'
                ? `import socket\ndef solve():\n    socket.create_connection((${JSON.stringify(host)}, ${targetPort}), timeout=2)\n    return 'connected'\n`
                : `function solve() {\n  const cp = process.mainModule.require('child_process');\n  const script = "const s = require('net').connect(${targetPort}, '${host}', () => { console.log('connected'); process.exit(0); }); s.on('error', (e) => { console.error(e.code); process.exit(1); }); setTimeout(() => process.exit(2), 2000);";\n  return cp.execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();\n}\n`,
              [{ args: [], expected: 'connected', hidden: false }],
              { limits: { wallMs: 8000 } },
            ),
          );
          expect(result.status).toBe('error');
          expect(result.tests[0].status).toBe('error');
          expect(result.tests[0].message).toMatch(
            /refused|unreachable|ECONNREFUSED|ENETUNREACH|Command failed|OSError|Errno|EPERM/i,
          );
        }
        expect(connections).toBe(0);
        await expectNextSubmissionWorks();
      },
    );

    it.each(LANGUAGES)('%s: cannot read files outside the sandbox', async (language) => {
      for (const file of secretFiles.filter((f) => existsSync(f))) {
        const result = await runner.run(
          request(
            language,
            language === 'python'
              ? `def solve():\n    return open(${JSON.stringify(file)}).read()\n`
              : `function solve() {\n  return process.mainModule.require('fs').readFileSync(${JSON.stringify(file)}, 'utf8');\n}\n`,
            [{ args: [], expected: 'x', hidden: false }],
          ),
        );
        expect(result.status).toBe('error');
        expect(result.tests[0].message).toMatch(/FileNotFoundError|ENOENT|No such file/);
        expect(JSON.stringify(result)).not.toContain(secret);
      }
      await expectNextSubmissionWorks();
    });

    it.each(LANGUAGES)('%s: can write its /tmp, nothing else', async (language) => {
      const write = (target: string) =>
        language === 'python'
          ? `    with open(${JSON.stringify(target)}, 'w') as f:\n        f.write('escaped')\n`
          : `  process.mainModule.require('fs').writeFileSync(${JSON.stringify(target)}, 'escaped');\n`;
      const body = (target: string) =>
        language === 'python'
          ? `def solve():\n${write('/tmp/scratch.txt')}${write(target)}    return 'wrote'\n`
          : `function solve() {\n${write('/tmp/scratch.txt')}${write(target)}  return 'wrote';\n}\n`;
      for (const target of [
        escapeTarget,
        '/usr/escape.txt',
        '/sandbox/solution.txt',
        '/escape.txt',
      ]) {
        const result = await runner.run(
          request(language, body(target), [{ args: [], expected: 'wrote', hidden: false }]),
        );
        expect(result.status).toBe('error');
        expect(result.tests[0].message).toMatch(
          /Read-only|EROFS|ENOENT|No such file|EACCES|Permission denied/,
        );
      }
      expect(existsSync(escapeTarget)).toBe(false);
      expect(existsSync('/usr/escape.txt')).toBe(false);
      expect(existsSync('/escape.txt')).toBe(false);
      await expectNextSubmissionWorks();
    });

    it.each(LANGUAGES)("%s: does not see the service's environment", async (language) => {
      const result = await runner.run(
        request(
          language,
          language === 'python'
            ? `import os\ndef solve():\n    seen = dict(os.environ)\n    for pid in ('1', 'self'):\n        try:\n            seen[pid] = open('/proc/%s/environ' % pid).read()\n        except OSError as e:\n            seen[pid] = str(e)\n    return seen\n`
            : `function solve() {\n  const seen = { ...process.env };\n  for (const pid of ['1', 'self']) {\n    try { seen[pid] = process.mainModule.require('fs').readFileSync('/proc/' + pid + '/environ', 'utf8'); } catch (e) { seen[pid] = e.message; }\n  }\n  return seen;\n}\n`,
          [{ args: [], expected: {}, hidden: false }],
        ),
      );
      expect(result.status).toBe('failed');
      const actual = result.tests[0].actual ?? '';
      expect(actual).not.toContain(secret);
      expect(actual).not.toContain('STUDYPATH_SANDBOX_FAKE_SECRET');
      expect(actual).not.toContain('DATABASE_URL');
      const env = JSON.parse(actual) as Record<string, string>;
      const names = Object.keys(env).filter((k) => k !== '1' && k !== 'self');
      expect(names.every((k) => ['PATH', 'HOME', 'LANG', 'PWD', 'LC_CTYPE'].includes(k))).toBe(
        true,
      );
      await expectNextSubmissionWorks();
    });

    it('python: a fork bomb cannot start a single process (seccomp)', async () => {
      const started = Date.now();
      const result = await runner.run(
        request(
          'python',
          'import os\ndef solve():\n    while True:\n        os.fork()\n',
          undefined,
          {
            limits: FAST,
          },
        ),
      );
      expect(['error', 'timeout']).toContain(result.status);
      if (result.status === 'error') {
        expect(result.tests[0].message).toMatch(
          /PermissionError: \[Errno 1\] Operation not permitted/,
        );
      }
      expect(Date.now() - started).toBeLessThan(6000);
      await expectNextSubmissionWorks();
    });

    it('javascript: a shell fork bomb is contained and killed with its sandbox', async () => {
      const result = await runner.run(
        request(
          'javascript',
          `function solve() {\n  const cp = process.mainModule.require('child_process');\n  return cp.execFileSync('/bin/sh', ['-c', 'while true; do (sleep 4242 &) ; done'], { encoding: 'utf8' });\n}\n`,
          undefined,
          { limits: { cpuSeconds: 2, wallMs: 3000 } },
        ),
      );
      expect(['timeout', 'error']).toContain(result.status);
      // Every process of the bomb died with the sandbox's PID namespace.
      const leftovers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('sleep 4242'));
      expect(leftovers).toEqual([]);
      await expectNextSubmissionWorks();
    });

    it.each(LANGUAGES)('%s: a memory bomb hits the memory limit', async (language) => {
      const bombs =
        language === 'python'
          ? [
              'def solve():\n    hoard = []\n    while True:\n        hoard.append(bytearray(10 ** 7))\n',
              'def solve():\n    hoard = []\n    while True:\n        hoard.append([0] * 10 ** 6)\n',
            ]
          : [
              'function solve() {\n  const hoard = [];\n  while (true) hoard.push(new Array(1e6).fill(1.5));\n}\n',
              'function solve() {\n  const hoard = [];\n  while (true) hoard.push(Buffer.alloc(5e7, 1));\n}\n',
            ];
      for (const bomb of bombs) {
        const result = await runner.run(
          request(language, bomb, undefined, { limits: { memoryMb: 128, wallMs: 8000 } }),
        );
        expect(result.status).toBe('memory_limit');
        expect(result.tests[0].status).toBe('error');
        expect(result.message).toMatch(/memory limit exceeded/);
      }
      await expectNextSubmissionWorks();
    });

    it.each(LANGUAGES)('%s: an infinite loop and an endless sleep time out', async (language) => {
      const loops =
        language === 'python'
          ? [
              'def solve():\n    while True:\n        pass\n',
              'import time\ndef solve():\n    time.sleep(3600)\n',
            ]
          : [
              'function solve() {\n  for (;;) {}\n}\n',
              'function solve() {\n  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n}\n',
            ];
      for (const loop of loops) {
        const started = Date.now();
        const result = await runner.run(
          request(language, loop, undefined, { limits: { cpuSeconds: 1, wallMs: 2000 } }),
        );
        expect(result.status).toBe('timeout');
        expect(result.tests[0].status).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(3500);
      }
      await expectNextSubmissionWorks();
    });

    it.each(LANGUAGES)('%s: 100 MB of output is cut off', async (language) => {
      const started = Date.now();
      const result = await runner.run(
        request(
          language,
          language === 'python'
            ? "import sys\ndef solve():\n    chunk = 'x' * (1 << 20)\n    for _ in range(100):\n        sys.stdout.write(chunk)\n        sys.stdout.flush()\n    return 'done'\n"
            : "function solve() {\n  const chunk = 'x'.repeat(1 << 20);\n  for (let i = 0; i < 100; i++) process.stdout.write(chunk);\n  return 'done';\n}\n",
          [{ args: [], expected: 'done', hidden: false }],
        ),
      );
      expect(result.status).toBe('error');
      expect(result.message).toMatch(/output limit exceeded/);
      expect(Date.now() - started).toBeLessThan(5000);
      await expectNextSubmissionWorks();
    });

    it.each(LANGUAGES)('%s: cannot kill its parent', async (language) => {
      const result = await runner.run(
        request(
          language,
          language === 'python'
            ? "import os, signal\ndef solve():\n    for sig in (signal.SIGTERM, signal.SIGKILL):\n        os.kill(os.getppid(), sig)\n    return 'alive'\n"
            : "function solve() {\n  for (const sig of ['SIGTERM', 'SIGKILL']) process.kill(process.ppid, sig);\n  return 'alive';\n}\n",
          [{ args: [], expected: 'alive', hidden: false }],
        ),
      );
      // Its parent is the sandbox's init, which signals from inside the namespace cannot reach.
      expect(result.status).toBe('passed');
      const everyone = await runner.run(
        request(
          language,
          language === 'python'
            ? "import os, signal\ndef solve():\n    os.kill(-1, signal.SIGKILL)\n    return 'alive'\n"
            : "function solve() {\n  process.kill(-1, 'SIGKILL');\n  return 'alive';\n}\n",
          [{ args: [], expected: 'alive', hidden: false }],
        ),
      );
      // Killing every process it can see kills only itself.
      expect(['error', 'passed']).toContain(everyone.status);
      await expectNextSubmissionWorks();
    });
  });
});

describe('LocalSandbox (rlimits only, no bubblewrap)', () => {
  let unisolated: LocalSandbox;

  beforeAll(async () => {
    unisolated = await createCodeRunner({ requireIsolation: false, bwrap: '/nonexistent/bwrap' });
  });

  it('says it is not isolated, and a service refuses it', async () => {
    const isolation = unisolated.describeIsolation();
    expect(isolation.isolated).toBe(false);
    expect(isolation.warnings.join(' ')).toMatch(/not installed|without namespaces/);
    expect(() => assertIsolation(unisolated)).toThrow(/does not isolate/);
    await expect(
      createCodeRunner({ requireIsolation: true, bwrap: '/nonexistent/bwrap' }),
    ).rejects.toThrow(/cannot isolate submissions: bubblewrap \(bwrap\) is not installed/);
  });

  it('is refused by an embedded process that other machines can reach', async () => {
    await expect(
      createCodeRunner({
        requireIsolation: false,
        exposedAt: '0.0.0.0',
        bwrap: '/nonexistent/bwrap',
      }),
    ).rejects.toThrow(
      /listens on 0\.0\.0\.0, where other machines can reach it, and the code sandbox cannot isolate submissions: bubblewrap \(bwrap\) is not installed\. To fix: listen on 127\.0\.0\.1 only/,
    );
  });

  it.each(LANGUAGES)('%s: still runs tests under rlimits', async (language) => {
    const passed = await unisolated.run(
      request(language, ADD[language], [{ args: [2, 3], expected: 5, hidden: false }]),
    );
    expect(passed.status).toBe('passed');
    const timeout = await unisolated.run(
      request(
        language,
        language === 'python'
          ? 'def solve():\n    while True: pass\n'
          : 'function solve() { for (;;) {} }\n',
        undefined,
        { limits: { cpuSeconds: 1, wallMs: 2000 } },
      ),
    );
    expect(timeout.status).toBe('timeout');
    const killer = await unisolated.run(
      request(
        language,
        language === 'python'
          ? "import os, signal\ndef solve():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 'alive'\n"
          : "function solve() {\n  process.kill(process.ppid, 'SIGKILL');\n  return 'alive';\n}\n",
        [{ args: [], expected: 'alive', hidden: false }],
      ),
    );
    // This process survives: its parent is a shell or it runs as another uid.
    expect(['passed', 'error']).toContain(killer.status);
  });
});
