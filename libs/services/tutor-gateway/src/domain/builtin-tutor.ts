import { assertNever } from '@studypath/decider';
import { describeArguments, failingSampleTests, hiddenFailures } from './test-reports';
import type { SubmissionRecord, TutorHintLevel, TutorProblem } from './tutor.types';
import { capLength, stripControlCharacters } from './untrusted-text';

/**
 * The built-in tutor: the problem's own hint ladder (`hints[level - 1]`), opened with what the
 * learner's latest evaluated submission shows: the first failing sample test (its input, expected
 * value and what the code returned or raised), else the hidden tests' failure counts and
 * categories (never more of them). Deterministic: the same problem, level and submission give
 * the same text, so a replayed hint is the hint the learner saw.
 */
export interface BuiltinHintInput {
  problem: Pick<TutorProblem, 'hints'>;
  level: TutorHintLevel;
  /** The latest evaluated submission of the task, if there is one. */
  latest?: SubmissionRecord | null;
}

/** How long a value from a test may be in a hint before it is cut. */
const VALUE_LIMIT = 200;
const MESSAGE_LIMIT = 300;

const FALLBACK_LADDER: Readonly<Record<TutorHintLevel, string>> = {
  1: 'Work one small example by hand and write down what your function has to remember as it goes.',
  2: 'Name the quantity you recompute most often and find a data structure that keeps it up to date in one pass.',
  3: 'Write the steps in plain words first: what you keep, how each element updates it, and what you return at the end.',
};

/** The rung of the ladder for a level; a short ladder repeats its last rung. */
export function ladderHint(problem: Pick<TutorProblem, 'hints'>, level: TutorHintLevel): string {
  const hints = problem.hints;
  const hint = hints[Math.min(level, hints.length) - 1];
  return hint === undefined || hint.trim() === '' ? FALLBACK_LADDER[level] : hint.trim();
}

function value(text: string | null): string {
  return capLength(stripControlCharacters(text ?? 'null'), VALUE_LIMIT);
}

/** What the latest submission shows, in one or two sentences; empty when it shows nothing. */
export function observation(latest: SubmissionRecord | null | undefined): string {
  if (!latest) return '';
  const samples = failingSampleTests(latest);
  const first = samples[0];
  if (first) {
    const input = value(describeArguments(first.input ?? 'null'));
    const more =
      samples.length > 1 ? ` ${samples.length} sample tests fail in all; start with this one.` : '';
    switch (first.status) {
      case 'fail':
        return `Your code returned ${value(first.actual)} for input (${input}) where ${value(first.expected)} was expected.${more}`;
      case 'error': {
        const message = capLength(
          stripControlCharacters(first.message ?? 'an error'),
          MESSAGE_LIMIT,
        );
        return `Your code raised an error for input (${input}): ${message}.${more}`;
      }
      case 'timeout':
        return `Your code ran out of time on input (${input}), a small sample: look for a loop that never ends.${more}`;
      case 'pass':
      case 'not_run':
        return '';
      default:
        return assertNever(first.status, 'test status');
    }
  }
  switch (latest.status) {
    case 'passed':
    case 'infrastructure_error':
      return '';
    case 'syntax_error':
      return 'Your last submission did not run: it has a syntax error. Fix that first, then come back to the idea.';
    case 'timeout':
    case 'memory_limit':
    case 'failed':
    case 'error':
      return hiddenObservation(latest);
    default:
      return assertNever(latest.status, 'evaluation status');
  }
}

function hiddenObservation(latest: SubmissionRecord): string {
  const failures = hiddenFailures(latest);
  if (failures.total === 0) {
    return `Your last submission ended with ${latest.status.replace(/_/g, ' ')}.`;
  }
  const slow = failures.byCategory.some(
    (c) => c.category === 'time limit exceeded' || c.category === 'memory limit exceeded',
  );
  const advice = slow
    ? 'Some inputs are large: check your approach against the constraints.'
    : 'Think about the cases the samples do not show: empty or tiny inputs, duplicates, extremes.';
  const categories = failures.byCategory.map((c) => `${c.category}: ${c.count}`).join(', ');
  const tests = failures.total === 1 ? 'hidden test' : 'hidden tests';
  return `Your code passes the sample tests but fails ${failures.total} ${tests} (${categories}). ${advice}`;
}

/** The built-in tutor's hint: the observation (if any), then the ladder's rung for the level. */
export function builtinHint(input: BuiltinHintInput): string {
  const seen = observation(input.latest);
  const rung = ladderHint(input.problem, input.level);
  return seen === '' ? rung : `${seen}\n\n${rung}`;
}

/** Longest a chunk grows before it is sent (it always ends at a word boundary). */
const CHUNK_TARGET = 24;

/**
 * Splits a hint into stream deltas: whole words with the spaces after them, grouped into short
 * phrases of about CHUNK_TARGET characters, a line break always ending a chunk. Joining the
 * chunks gives the text back exactly.
 */
export function chunksOf(text: string): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const piece of text.match(/\s+|\S+\s*/g) ?? []) {
    current += piece;
    if (current.length >= CHUNK_TARGET || piece.includes('\n')) {
      chunks.push(current);
      current = '';
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
