import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseExactJson } from '@studypath/contracts';
import type { FunctionSignature } from '@studypath/problem-bank';
import type { RunRequest, RunResult, SandboxLimits } from './code-runner';
import { createCodeRunner } from './create-code-runner';
import type { LocalSandbox } from './local-sandbox';
import { CHANNEL_TAMPERED, HIDDEN_CATEGORY } from './outcome';

/*
 * The evaluation as a cheater would try it: every attack is a real submission through the real
 * sandbox (bubblewrap, seccomp, GNU time). For each: no hidden input or expected value appears in
 * the result, the run is the submission's (never an infrastructure_error, which would be free),
 * the status is the right one, and the next submission works.
 */

type Language = RunRequest['language'];
const LANGUAGES: Language[] = ['python', 'javascript'];
const FAST: Partial<SandboxLimits> = { cpuSeconds: 2, wallMs: 4000 };

const tag = () => randomBytes(6).toString('hex');
const HIDDEN_INPUT = `hidden-input-${tag()}`;
const HIDDEN_EXPECTED = `hidden-expected-${tag()}`;
const SAMPLE_INPUT = `sample-input-${tag()}`;

const signature: FunctionSignature = {
  params: [{ name: 'x', type: 'string' }],
  returns: 'string',
  python: { name: 'solve', stub: '' },
  javascript: { name: 'solve', stub: '' },
};

/** One sample test, then two hidden ones whose input and expected value must never come out. */
function suite(code: string, language: Language, limits = FAST): RunRequest {
  return {
    language,
    code,
    signature,
    comparator: { kind: 'exact' },
    tests: [
      { args: [SAMPLE_INPUT], expected: 'sample-output', hidden: false },
      { args: [HIDDEN_INPUT], expected: HIDDEN_EXPECTED, hidden: true },
      { args: [`${HIDDEN_INPUT}-2`], expected: `${HIDDEN_EXPECTED}-2`, hidden: true },
    ],
    limits,
  };
}

let runner: LocalSandbox;

beforeAll(async () => {
  runner = await createCodeRunner({ requireIsolation: true });
});

/** What every attack must show, whatever else it did. */
function expectContained(result: RunResult): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain(HIDDEN_INPUT);
  expect(text).not.toContain(HIDDEN_EXPECTED);
  expect(result.status).not.toBe('infrastructure_error');
  expect(result.status).not.toBe('passed');
  for (const test of result.tests.filter((t) => t.hidden)) {
    expect(test).toMatchObject({ input: null, actual: null, expected: null, time_ms: null });
    if (test.message !== null) expect(Object.values(HIDDEN_CATEGORY)).toContain(test.message);
  }
}

const IDENTITY: Record<Language, string> = {
  python: 'def solve(x):\n    return x\n',
  javascript: 'function solve(x) {\n  return x;\n}\n',
};

async function expectNextSubmissionWorks(language: Language): Promise<void> {
  const result = await runner.run({
    ...suite(IDENTITY[language], language),
    tests: [
      { args: ['a'], expected: 'a', hidden: false },
      { args: ['b'], expected: 'b', hidden: true },
    ],
  });
  expect(result).toMatchObject({ status: 'passed', passed: 2, total: 2 });
}

async function attack(language: Language, code: string, limits = FAST): Promise<RunResult> {
  const result = await runner.run(suite(code, language, limits));
  expectContained(result);
  await expectNextSubmissionWorks(language);
  return result;
}

const PY_READ_EVERYTHING = `
import os
def everything():
    found = []
    for root in ('/sandbox', '/proc/self/fd', '/tmp'):
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            path = os.path.join(root, name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
                try:
                    found.append(os.read(fd, 1 << 20).decode('utf-8', 'replace'))
                finally:
                    os.close(fd)
            except OSError:
                pass
    return ' '.join(found)
`;

const JS_READ_EVERYTHING = `
const fs = process.mainModule.require('fs');
function everything() {
  const found = [];
  for (const root of ['/sandbox', '/proc/self/fd', '/tmp']) {
    let names = [];
    try { names = fs.readdirSync(root); } catch { continue; }
    for (const name of names) {
      try {
        const fd = fs.openSync(root + '/' + name, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        try {
          const buffer = Buffer.alloc(1 << 20);
          found.push(buffer.subarray(0, fs.readSync(fd, buffer)).toString());
        } finally { fs.closeSync(fd); }
      } catch {}
    }
  }
  return found.join(' ');
}
`;

describe('evaluation integrity: hidden tests stay hidden', () => {
  describe.each(LANGUAGES)('%s', (language) => {
    const code = (python: string, javascript: string) =>
      language === 'python' ? PY_READ_EVERYTHING + python : JS_READ_EVERYTHING + javascript;

    it('raising what the harness reads while the code loads shows only the sample tests', async () => {
      const result = await attack(
        language,
        code('raise ValueError(everything())\n', 'throw new Error(everything());\n'),
      );
      // A load error keeps its message: the hidden arguments were not in the sandbox yet.
      expect(result.status).toBe('syntax_error');
      const input = await attack(
        language,
        language === 'python'
          ? 'raise ValueError(open("/sandbox/input.json").read())\n'
          : 'throw new Error(process.mainModule.require("fs").readFileSync("/sandbox/input.json", "utf8"));\n',
      );
      expect(input.status).toBe('syntax_error');
      expect(input.message).toContain(SAMPLE_INPUT);
    });

    it('raising, printing or returning every file it can read during the hidden tests', async () => {
      for (const body of [
        code(
          'def solve(x):\n    raise ValueError(x + everything())\n',
          'function solve(x) {\n  throw new Error(x + everything());\n}\n',
        ),
        code(
          'import sys\ndef solve(x):\n    print(x, everything())\n    print(x, file=sys.stderr)\n    return "sample-output"\n',
          'function solve(x) {\n  console.log(x, everything());\n  console.error(x);\n  return "sample-output";\n}\n',
        ),
        code(
          'def solve(x):\n    return x + everything()\n',
          'function solve(x) {\n  return x + everything();\n}\n',
        ),
      ]) {
        const result = await attack(language, body);
        expect(['error', 'failed']).toContain(result.status);
      }
    });

    it('an exception named after the input shows only "runtime error"', async () => {
      const result = await attack(
        language,
        language === 'python'
          ? 'def solve(x):\n    raise type(x.replace("-", "_"), (Exception,), {})(x)\n'
          : 'function solve(x) {\n  const E = class extends Error {};\n  Object.defineProperty(E, "name", { value: x });\n  const e = new E(x); e.name = x; throw e;\n}\n',
      );
      expect(result.status).toBe('error');
      expect(result.tests[0].message).not.toBeNull(); // the sample test shows its exception
      expect(result.tests[1].message).toBe(HIDDEN_CATEGORY.error);
      expect(result.message).toBe('test 1: ' + result.tests[0].message);
    });

    it('a thread that steals the hidden tests from their pipe gets nothing out', async () => {
      const result = await attack(
        language,
        language === 'python'
          ? 'import os, sys, threading\ndef steal():\n    data = os.read(4, 1 << 20)\n    sys.stdout.write(data.decode())\n    os.write(3, (\'{"t":"fatal","kind":"harness","message":%s}\\n\' % repr(data.decode()).replace("\'", \'"\')).encode())\nthreading.Thread(target=steal, daemon=True).start()\ndef solve(x):\n    return "sample-output"\n'
          : 'const { Worker } = process.mainModule.require("worker_threads");\nnew Worker("const fs = require(\\"fs\\"); const b = Buffer.alloc(1 << 20); const n = fs.readSync(4, b); fs.writeSync(1, b.subarray(0, n)); fs.writeSync(3, JSON.stringify({ t: \\"fatal\\", kind: \\"harness\\", message: b.subarray(0, n).toString() }) + \\"\\\\n\\");", { eval: true });\nfunction solve(x) {\n  const end = Date.now() + 200; while (Date.now() < end) {}\n  return "sample-output";\n}\n',
      );
      // (A worker does not even fit in node's address-space limit: that is a memory limit.)
      expect(['error', 'timeout', 'failed', 'memory_limit']).toContain(result.status);
    });
  });
});

describe('evaluation integrity: the result channel is untrusted', () => {
  const FAKES = [
    '{"t":"fatal","kind":"harness","message":"fake"}',
    '{"t":"load_error","kind":"syntax","message":"fake"}',
    '{"t":"test","i":0,"ok":true,"actual":"hidden-expected","wall_ms":1}',
    '{"t":"next"}',
    '{"t":"done"}',
    'not json at all',
  ];

  describe.each(LANGUAGES)('%s', (language) => {
    const writeEverywhere = (line: string, when: 'load' | 'call'): string => {
      const text = JSON.stringify(`${line}\n`);
      const python = `import os\ndef spam():\n    for fd in range(0, 12):\n        try:\n            os.write(fd, ${text}.encode())\n        except OSError:\n            pass\n`;
      const javascript = `const fs = process.mainModule.require('fs');\nfunction spam() {\n  for (let fd = 0; fd < 12; fd++) {\n    try { fs.writeSync(fd, ${text}); } catch {}\n  }\n}\n`;
      if (language === 'python') {
        return `${python}${when === 'load' ? 'spam()\n' : ''}def solve(x):\n    ${when === 'call' ? 'spam()\n    ' : ''}return "sample-output"\n`;
      }
      return `${javascript}${when === 'load' ? 'spam();\n' : ''}function solve(x) {\n  ${when === 'call' ? 'spam();\n  ' : ''}return "sample-output";\n}\n`;
    };

    it.each(FAKES)('a fake line on every fd, while loading and while tested: %s', async (fake) => {
      for (const when of ['load', 'call'] as const) {
        const result = await attack(language, writeEverywhere(fake, when));
        // Never a free infrastructure_error: the submission wrote on the channel.
        expect(result.status).toBe('error');
        expect(result.message).toMatch(
          new RegExp(`${CHANNEL_TAMPERED}|${HIDDEN_CATEGORY.error}|runtime error`),
        );
      }
    });

    it('a result nested thousands of levels deep', async () => {
      const result = await attack(
        language,
        language === 'python'
          ? 'def solve(x):\n    value = x\n    for _ in range(5000):\n        value = [value]\n    return value\n'
          : 'function solve(x) {\n  let value = x;\n  for (let i = 0; i < 5000; i++) value = [value];\n  return value;\n}\n',
      );
      expect(result.status).toBe('error');
      expect(result.tests[0].message).toMatch(/nests deeper than 100 levels/);
      expect(result.tests[1].message).toBe(HIDDEN_CATEGORY.error);
    });

    it('a fake result line nested thousands of levels deep', async () => {
      const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
      const result = await attack(
        language,
        writeEverywhere(`{"t":"test","i":0,"ok":true,"actual":${deep},"wall_ms":1}`, 'call'),
      );
      expect(result.status).toBe('error');
    });

    it('exiting with code 0 in the middle of the hidden tests', async () => {
      for (const exit of language === 'python'
        ? ['import os\nos._exit(0)', 'import sys\nsys.exit(0)']
        : ['process.exit(0)', 'process.reallyExit(0)']) {
        const body =
          language === 'python'
            ? `def solve(x):\n    if x.startswith("hidden"):\n${exit
                .split('\n')
                .map((line) => `        ${line}`)
                .join('\n')}\n    return "sample-output"\n`
            : `function solve(x) {\n  if (x.startsWith("hidden")) ${exit};\n  return "sample-output";\n}\n`;
        const result = await attack(language, body);
        expect(result.status).toBe('error');
        expect(result.tests[0].status).toBe('pass');
        expect(result.tests[1]).toMatchObject({ status: 'error', message: HIDDEN_CATEGORY.error });
        // Not even the exit code: the submission chooses it.
        expect(result.message).toBe(`hidden test 2: ${HIDDEN_CATEGORY.error}`);
      }
    });

    it('killing the harness mid-run', async () => {
      const kills =
        language === 'python'
          ? [
              'import os, signal\ndef solve(x):\n    if x.startswith("hidden"):\n        os.kill(os.getpid(), signal.SIGKILL)\n    return "sample-output"\n',
              'import ctypes\ndef solve(x):\n    if x.startswith("hidden"):\n        ctypes.string_at(0)\n    return "sample-output"\n',
              'import os\ndef solve(x):\n    if x.startswith("hidden"):\n        os.abort()\n    return "sample-output"\n',
            ]
          : [
              'function solve(x) {\n  if (x.startsWith("hidden")) process.kill(process.pid, "SIGKILL");\n  return "sample-output";\n}\n',
              'function solve(x) {\n  if (x.startsWith("hidden")) process.abort();\n  return "sample-output";\n}\n',
            ];
      for (const body of kills) {
        const result = await attack(language, body);
        // As the sandbox's pid 1 it cannot signal itself to death; a crash (SIGSEGV, abort) ends it.
        expect(['error', 'failed']).toContain(result.status);
        expect(result.tests[0].status).toBe('pass');
      }
    });

    it('huge and non-finite numbers match nothing', async () => {
      const request = (code: string, expected: unknown): RunRequest => ({
        ...suite(code, language),
        comparator: { kind: 'float', tolerance: 1e-9 },
        tests: [
          { args: ['x'], expected, hidden: false },
          { args: ['y'], expected, hidden: true },
        ],
      });
      const huge =
        language === 'python'
          ? ['def solve(x):\n    return 10 ** 400\n', 'def solve(x):\n    return float("inf")\n']
          : [
              'function solve(x) {\n  return 1e400;\n}\n',
              'function solve(x) {\n  return 10n ** 400n;\n}\n',
            ];
      for (const code of huge) {
        const result = await runner.run(request(code, 1.5e308));
        expect(result.status).toBe('failed');
        expect(result.passed).toBe(0);
      }
      const nan =
        language === 'python'
          ? 'def solve(x):\n    return float("nan")\n'
          : 'function solve(x) {\n  return NaN;\n}\n';
      expect((await runner.run(request(nan, 1))).status).toBe('failed');
      await expectNextSubmissionWorks(language);
    });

    it('integers beyond 2^53 compare exactly', async () => {
      // The expected value as a problem bank would send it, read with every digit.
      const expected = parseExactJson('9007199254740993');
      const request = (code: string): RunRequest => ({
        ...suite(code, language),
        tests: [
          { args: ['x'], expected, hidden: false },
          { args: ['y'], expected, hidden: true },
        ],
      });
      const [right, wrong] =
        language === 'python'
          ? ['def solve(x):\n    return 2 ** 53 + 1\n', 'def solve(x):\n    return 2 ** 53\n']
          : [
              'function solve(x) {\n  return 2n ** 53n + 1n;\n}\n',
              'function solve(x) {\n  return 2 ** 53;\n}\n',
            ];
      expect((await runner.run(request(right))).status).toBe('passed');
      const result = await runner.run(request(wrong));
      expect(result.status).toBe('failed');
      expect(result.tests[0]).toMatchObject({
        actual: '9007199254740992',
        expected: '9007199254740993',
      });
    });
  });
});

describe('evaluation integrity: every run is bounded as a whole', () => {
  const leftovers = (marker: string) =>
    execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(marker));

  it.each(LANGUAGES)(
    '%s: cannot start a process, so none outlives the harness',
    async (language) => {
      const result = await attack(
        language,
        language === 'python'
          ? 'import subprocess\ndef solve(x):\n    subprocess.Popen(["sleep", "4243"])\n    return "sample-output"\n'
          : 'function solve(x) {\n  process.mainModule.require("child_process").spawn("sleep", ["4243"], { detached: true });\n  return "sample-output";\n}\n',
      );
      expect(result.status).toBe('error');
      expect(result.tests[0].message).toMatch(/Operation not permitted|EPERM/);
      expect(leftovers('sleep 4243')).toEqual([]);
    },
  );

  it.each(LANGUAGES)('%s: a thread that outlives the harness changes nothing', async (language) => {
    const result = await attack(
      language,
      language === 'python'
        ? 'import os, threading, time\ndef spam():\n    while True:\n        try:\n            os.write(3, b\'{"t":"done"}\\n\')\n        except OSError:\n            pass\n        time.sleep(0.001)\nthreading.Thread(target=spam, daemon=True).start()\ndef solve(x):\n    time.sleep(0.05)\n    return "sample-output"\n'
        : 'const { Worker } = process.mainModule.require("worker_threads");\nnew Worker("const fs = require(\\"fs\\"); for (;;) { try { fs.writeSync(3, \\"{\\\\\\"t\\\\\\":\\\\\\"done\\\\\\"}\\\\n\\"); } catch {} Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); }", { eval: true });\nfunction solve(x) {\n  const end = Date.now() + 50; while (Date.now() < end) {}\n  return "sample-output";\n}\n',
    );
    expect(['error', 'memory_limit']).toContain(result.status);
  });

  it('python: a fork of 50 children of 200 MB each gets no child, and threads share one limit', async () => {
    const forks = await attack(
      'python',
      'import os, time\ndef solve(x):\n    for _ in range(50):\n        if os.fork() == 0:\n            hoard = bytearray(200 * 1024 * 1024)\n            time.sleep(30)\n    return "sample-output"\n',
      { ...FAST, memoryMb: 256 },
    );
    expect(forks.status).toBe('error');
    expect(forks.tests[0].message).toMatch(/PermissionError/);

    const threads = await attack(
      'python',
      'import threading, time\nhoard = []\ndef grab():\n    try:\n        hoard.append(bytearray(200 * 1024 * 1024))\n    except MemoryError:\n        pass\n    time.sleep(1)\ndef solve(x):\n    workers = [threading.Thread(target=grab) for _ in range(50)]\n    for w in workers:\n        w.start()\n    for w in workers:\n        w.join()\n    return "sample-output" if len(hoard) < 2 else "too much"\n',
      { ...FAST, memoryMb: 256 },
    );
    // At most one 200 MB block fits in the one address space all threads share (and 50 thread
    // stacks do not fit at all: "can't start new thread" is the likelier end).
    expect(threads.tests[0].actual).not.toBe('"too much"');
    expect(['error', 'memory_limit', 'failed']).toContain(threads.status);
    expect(threads.memory_kb ?? 0).toBeLessThan(300 * 1024);
  });

  it('javascript: 50 workers of 200 MB each stay within one process limit', async () => {
    const result = await attack(
      'javascript',
      'const { Worker } = process.mainModule.require("worker_threads");\nfunction solve(x) {\n  for (let i = 0; i < 50; i++) {\n    try { new Worker("const b = Buffer.alloc(200 * 1024 * 1024, 1); setTimeout(() => {}, 30000);", { eval: true }); } catch {}\n  }\n  const end = Date.now() + 1500; while (Date.now() < end) {}\n  return "sample-output";\n}\n',
      { cpuSeconds: 3, wallMs: 4000, memoryMb: 256 },
    );
    expect(['error', 'timeout', 'memory_limit', 'failed']).toContain(result.status);
  });

  it('measures CPU time and memory from outside the sandbox', async () => {
    const result = await runner.run({
      ...suite(
        'def solve(x):\n    hoard = bytearray(64 * 1024 * 1024)\n    total = 0\n    for i in range(3_000_000):\n        total += i\n    return x\n',
        'python',
      ),
      tests: [{ args: ['a'], expected: 'a', hidden: false }],
    });
    expect(result.status).toBe('passed');
    // The 64 MB block and a few hundred ms of CPU, as the kernel counted them.
    expect(result.memory_kb).toBeGreaterThan(64 * 1024);
    expect(result.runtime_ms).toBeGreaterThan(50);
  });
});
