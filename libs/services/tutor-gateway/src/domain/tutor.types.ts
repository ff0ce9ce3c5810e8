import type { Static } from '@sinclair/typebox';
import type { EvaluationStatus, HINT_LADDER_LEVELS } from '@studypath/contracts';
import type { ProblemMetadata } from '@studypath/problem-bank';
import type { HIDDEN_CATEGORY } from '@studypath/sandbox';

/** The languages a learner writes in; the guard and the prompts speak of them by name. */
export type TutorLanguage = 'python' | 'javascript';

export const LANGUAGE_NAMES: Readonly<Record<TutorLanguage, string>> = {
  python: 'Python',
  javascript: 'JavaScript',
};

/** A rung of the hint ladder: 1 a nudge, 2 an approach, 3 near-pseudocode. */
export type TutorHintLevel = 1 | 2 | typeof HINT_LADDER_LEVELS;

/** The problem as the tutor sees it: its metadata, never its hidden tests or reference solutions. */
export type TutorProblem = Pick<
  ProblemMetadata,
  | 'id'
  | 'module'
  | 'title'
  | 'difficulty'
  | 'topics'
  | 'statement'
  | 'constraints'
  | 'signature'
  | 'hints'
  | 'complexity'
>;

/** The fixed words a hidden test may be reported with (the sandbox's own list). */
export type HiddenCategory = (typeof HIDDEN_CATEGORY)[keyof typeof HIDDEN_CATEGORY];

/**
 * A test of an evaluated submission as its owner may see it (the evaluation service's
 * `failing_tests`): a sample test with input, expected and actual; a hidden test by index and
 * category only. The tutor relies on no more than that even when a caller passes more.
 */
export interface TestReport {
  index: number;
  hidden: boolean;
  status: 'pass' | 'fail' | 'error' | 'timeout' | 'not_run';
  message: string | null;
  /** The arguments as JSON (sample tests only). */
  input: string | null;
  expected: string | null;
  /** What the learner's code returned, as JSON: the program's output, so untrusted. */
  actual: string | null;
}

/** One evaluated submission of the task, as the tutor-gateway's read model keeps it. */
export interface SubmissionRecord {
  /** Absent on records kept before the tutor-gateway joined submissions to their reports. */
  submission_id?: string;
  attempt: number;
  language: TutorLanguage;
  status: Static<typeof EvaluationStatus>;
  passed_tests: number;
  total_tests: number;
  failing_tests: readonly TestReport[];
  /** The first failure as the evaluation reported it (e.g. the syntax error): untrusted. */
  message?: string | null;
  /** The code submitted: the context's fallback when the hint request carries none. */
  code?: string | null;
}

/** A hint already delivered on the task (its text is the LLM's or the ladder's: untrusted). */
export interface GivenHint {
  level: TutorHintLevel;
  content: string;
}
