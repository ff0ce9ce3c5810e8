import type { HiddenCategory, SubmissionRecord, TestReport } from './tutor.types';

/** The sandbox's categories, in the order the tutor lists them. */
export const HIDDEN_CATEGORIES = [
  'wrong answer',
  'runtime error',
  'time limit exceeded',
  'memory limit exceeded',
  'output limit exceeded',
] as const satisfies readonly HiddenCategory[];

function isFailing(test: TestReport): boolean {
  return test.status !== 'pass' && test.status !== 'not_run';
}

/** The sample tests a submission failed, by index. */
export function failingSampleTests(submission: SubmissionRecord): TestReport[] {
  return submission.failing_tests
    .filter((test) => !test.hidden && isFailing(test))
    .sort((a, b) => a.index - b.index);
}

/**
 * A hidden test's category, and nothing else of it: a message that is not one of the fixed
 * categories is never passed on, whatever the caller put there.
 */
export function hiddenCategoryOf(test: TestReport): HiddenCategory | null {
  const known = HIDDEN_CATEGORIES.find((category) => category === test.message);
  if (known) return known;
  switch (test.status) {
    case 'fail':
      return 'wrong answer';
    case 'error':
      return 'runtime error';
    case 'timeout':
      return 'time limit exceeded';
    case 'pass':
    case 'not_run':
      return null;
  }
}

export interface HiddenFailures {
  total: number;
  /** Each category with its count, in the order of HIDDEN_CATEGORIES; categories with none left out. */
  byCategory: { category: HiddenCategory; count: number }[];
}

/** How many hidden tests failed, and how: counts and categories only. */
export function hiddenFailures(submission: SubmissionRecord): HiddenFailures {
  const counts = new Map<HiddenCategory, number>();
  for (const test of submission.failing_tests) {
    if (!test.hidden) continue;
    const category = hiddenCategoryOf(test);
    if (category) counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  const byCategory = HIDDEN_CATEGORIES.flatMap((category) => {
    const count = counts.get(category) ?? 0;
    return count > 0 ? [{ category, count }] : [];
  });
  return { total: byCategory.reduce((sum, c) => sum + c.count, 0), byCategory };
}

/** "3 (wrong answer: 2, time limit exceeded: 1)". */
export function describeHiddenFailures(failures: HiddenFailures): string {
  const parts = failures.byCategory.map((c) => `${c.category}: ${c.count}`).join(', ');
  return `${failures.total} (${parts})`;
}

/** A sample test's arguments as a call's argument list (`"UUU", 3`), or the raw text. */
export function describeArguments(input: string): string {
  try {
    const args: unknown = JSON.parse(input);
    if (Array.isArray(args)) return args.map((arg) => JSON.stringify(arg)).join(', ');
  } catch {
    // Inputs are cut at 1,024 characters by the sandbox: a cut one is shown as it is.
  }
  return input;
}
