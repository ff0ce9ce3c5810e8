import { assertNever } from '@studypath/decider';
import {
  evolveProgress,
  initialProgress,
  type ProgressEvent,
  type ProgressState,
} from '../progress.read-model';
import { expectedMinutes } from './review-load';

/*
 * The rating of a finished task, for spaced repetition. Nobody grades a review by hand (Anki asks
 * the learner; we do not): the rating is derived from what the learner did, by one table.
 *
 *   the task ended …                                              rating
 *   passed, on the first counted attempt, no hint, fast          easy
 *   passed, on the first counted attempt, no hint                good
 *   passed, after a failed counted attempt or with a hint         hard
 *   failed (no attempts left), skipped or expired                 again
 *
 * "Fast" is under half the minutes a problem of its difficulty is expected to take
 * (EXPECTED_MINUTES). The facts are those of the progress fold (progress.read-model.ts): an
 * evaluation that could not run (`infrastructure_error`) is no attempt, hints count when they were
 * delivered before the passing submission, and the time worked runs from the task's start to its
 * counted submissions.
 */

export type ReviewRating = 'again' | 'hard' | 'good' | 'easy';
export const REVIEW_RATINGS: readonly ReviewRating[] = ['again', 'hard', 'good', 'easy'];

/** How a task ended: passed, failed with no attempts left, skipped by the learner, or expired. */
export type TaskEnding = 'passed' | 'failed' | 'skipped' | 'expired';

/** What the learner did on a task that has ended: the facts the rating is derived from. */
export interface ReviewOutcome {
  ended: TaskEnding;
  /** Counted evaluations (every status but `infrastructure_error`), the passing one included. */
  attempts: number;
  /** Hints delivered before the passing submission (before the end when the task did not pass). */
  hints: number;
  /** Time worked on counted attempts, in ms. */
  workedMs: number;
  /** The problem's difficulty, 1 (warm-up) to 5 (hard). */
  difficulty: number;
}

/** The share of a difficulty's expected minutes under which a pass counts as fast. */
export const FAST_SHARE = 0.5;

/** Under this much work (ms) a pass of this difficulty is fast. */
export function fastWorkMs(difficulty: number): number {
  return expectedMinutes(difficulty) * FAST_SHARE * 60_000;
}

/** The rating of a finished task, by the table above. */
export function ratingOf(outcome: ReviewOutcome): ReviewRating {
  switch (outcome.ended) {
    case 'failed':
    case 'skipped':
    case 'expired':
      return 'again';
    case 'passed':
      if (outcome.attempts > 1 || outcome.hints > 0) return 'hard';
      return outcome.workedMs < fastWorkMs(outcome.difficulty) ? 'easy' : 'good';
    default:
      return assertNever(outcome.ended, 'task ending');
  }
}

/**
 * The outcome of one task from its events in recorded order (task.created first), or null while
 * the task has not ended. The counting is the progress fold's own (evolveProgress), so attempts,
 * hints and time mean here what they mean on the dashboard; the first ending recorded wins.
 */
export function reviewOutcomeOf(
  taskId: string,
  events: readonly ProgressEvent[],
): ReviewOutcome | null {
  let state: ProgressState = initialProgress();
  for (const event of events) {
    const ending = endingOf(taskId, state, event);
    state = evolveProgress(state, event);
    const task = state.tasks[taskId];
    if (ending && task) {
      return {
        ended: ending.how,
        attempts: task.countedEvaluations,
        hints: ending.hints ?? task.hints,
        workedMs: task.timeSpentMs,
        difficulty: task.difficulty,
      };
    }
  }
  return null;
}

/** Whether this event ends the task, and for a pass the hints delivered before its submission. */
function endingOf(
  taskId: string,
  state: ProgressState,
  event: ProgressEvent,
): { how: TaskEnding; hints?: number } | null {
  if (!('task_id' in event.data) || event.data.task_id !== taskId) return null;
  if (event.event_type === 'task.evaluated') {
    // Read before the fold drops the submission from `pending`; an evaluation the fold does not
    // know (redelivered, or of an unknown submission) ends nothing.
    const submission = state.tasks[taskId]?.pending[event.data.submission_id];
    return event.data.status === 'passed' && submission
      ? { how: 'passed', hints: submission.hints }
      : null;
  }
  if (event.event_type === 'task.status_changed') {
    return event.data.to === 'failed' ? { how: 'failed' } : null;
  }
  if (event.event_type === 'task.skipped') return { how: 'skipped' };
  if (event.event_type === 'task.expired') return { how: 'expired' };
  return null;
}
