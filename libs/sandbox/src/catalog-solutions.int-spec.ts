import { beforeAll, describe, expect, it } from '@jest/globals';
import { BundledCatalog, type Problem } from '@studypath/problem-bank';
import type { RunRequest, RunResult } from './code-runner';
import { createCodeRunner } from './create-code-runner';

type Language = RunRequest['language'];
type Kind = 'reference' | 'wrong';

const LANGUAGES: Language[] = ['python', 'javascript'];
const CONCURRENCY = 2;

const problems = new BundledCatalog().all().sort((a, b) => a.id.localeCompare(b.id));
const results = new Map<string, RunResult>();
const key = (id: string, language: Language, kind: Kind) => `${id}:${language}:${kind}`;

function wrongSolution(problem: Problem, language: Language): string {
  return language === 'python'
    ? `def ${problem.signature.python.name}(*args):\n    return None\n`
    : `function ${problem.signature.javascript.name}() {\n  return null;\n}\n`;
}

function requestFor(problem: Problem, language: Language, kind: Kind): RunRequest {
  return {
    language,
    code: kind === 'reference' ? problem.solutions[language] : wrongSolution(problem, language),
    signature: problem.signature,
    comparator: problem.comparator,
    tests: [
      ...problem.sample_tests.map((t) => ({ args: t.args, expected: t.expected, hidden: false })),
      ...problem.hidden_tests.map((t) => ({ args: t.args, expected: t.expected, hidden: true })),
    ],
  };
}

/** What a failing expectation prints: enough to see which test broke and why. */
function digest(result: RunResult | undefined) {
  if (!result) return { status: 'missing' };
  const bad = result.tests.find((t) => t.status !== 'pass');
  return {
    status: result.status,
    message: result.message,
    firstBad: bad ?? null,
  };
}

beforeAll(async () => {
  const runner = await createCodeRunner({ requireIsolation: true, maxConcurrent: CONCURRENCY });
  const jobs = problems.flatMap((problem) =>
    LANGUAGES.flatMap((language) =>
      (['reference', 'wrong'] as const).map((kind) => ({ problem, language, kind })),
    ),
  );
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { problem, language, kind } = jobs[next++];
      results.set(
        key(problem.id, language, kind),
        await runner.run(requestFor(problem, language, kind)),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}, 300_000);

describe('the catalog in the sandbox', () => {
  it('has problems', () => {
    expect(problems.length).toBeGreaterThan(0);
  });

  describe.each(problems.map((p) => [p.id, p] as const))('%s', (_id, problem) => {
    const total = problem.sample_tests.length + problem.hidden_tests.length;

    it.each(LANGUAGES)('the %s reference solution passes every test', (language) => {
      const result = results.get(key(problem.id, language, 'reference'));
      expect(digest(result)).toEqual({ status: 'passed', message: null, firstBad: null });
      expect(result).toMatchObject({ passed: total, total, score: 1 });
    });

    it.each(LANGUAGES)('a wrong %s solution fails', (language) => {
      const result = results.get(key(problem.id, language, 'wrong'));
      expect(result?.status).toBe('failed');
      expect(result?.passed).toBeLessThan(total);
      // A failed sample test shows what a learner debugs with; a hidden one only that it failed.
      for (const test of result?.tests ?? []) {
        if (test.status === 'pass') continue;
        if (test.hidden) {
          expect(test).toMatchObject({ input: null, expected: null, actual: null, time_ms: null });
          expect(test.message).toBe('wrong answer');
        } else {
          const sample = problem.sample_tests[test.index];
          expect(test).toMatchObject({
            input: JSON.stringify(sample.args),
            expected: JSON.stringify(sample.expected),
            // null, or [] where the result is a list or a tree
            actual: expect.stringMatching(/^(null|\[\])$/),
            message: 'wrong answer',
          });
        }
      }
    });
  });
});
