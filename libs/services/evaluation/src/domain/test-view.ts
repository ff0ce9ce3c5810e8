import type { HIDDEN_CATEGORY as SANDBOX_CATEGORIES, TestOutcome } from '@studypath/sandbox';

/** The fixed words a hidden test is reported with: the sandbox's own (the type holds them equal). */
const HIDDEN_CATEGORY = {
  wrong: 'wrong answer',
  error: 'runtime error',
  timeout: 'time limit exceeded',
  memory: 'memory limit exceeded',
  output: 'output limit exceeded',
} as const satisfies typeof SANDBOX_CATEGORIES;

/** A test of a run as its owner may see it: a hidden test keeps to its index and category. */
export interface OwnerTestView {
  index: number;
  hidden: boolean;
  status: TestOutcome['status'];
  message: string | null;
  input: string | null;
  expected: string | null;
  actual: string | null;
  time_ms: number | null;
}

/**
 * A test as its owner sees it. The sandbox already keeps a hidden test to its index and category;
 * this keeps it so for rows written before it did, too.
 */
export function ownerViewOfTest(test: TestOutcome): OwnerTestView {
  const hidden = test.hidden !== false;
  return {
    index: test.index,
    hidden,
    status: test.status,
    message: hidden ? hiddenCategory(test) : test.message,
    input: hidden ? null : (test.input ?? null),
    expected: hidden ? null : test.expected,
    actual: hidden ? null : test.actual,
    time_ms: hidden ? null : test.time_ms,
  };
}

function hiddenCategory(test: TestOutcome): string | null {
  const known: readonly (string | null)[] = Object.values(HIDDEN_CATEGORY);
  if (known.includes(test.message)) return test.message;
  switch (test.status) {
    case 'fail':
      return HIDDEN_CATEGORY.wrong;
    case 'error':
      return HIDDEN_CATEGORY.error;
    case 'timeout':
      return HIDDEN_CATEGORY.timeout;
    case 'pass':
    case 'not_run':
      return null;
  }
}
