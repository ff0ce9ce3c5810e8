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
    const ending = taskEndingOf(state, event);
    state = evolveProgress(state, event);
    if (ending?.taskId === taskId) return reviewOutcomeAfter(ending, state);
  }
  return null;
}

/** A task ended by an event: which, how, and for a pass the hints delivered before it. */
export interface TaskEndingEvent {
  taskId: string;
  how: TaskEnding;
  /** Hints delivered before the passing submission; absent when the task did not pass. */
  hintsBeforePass?: number;
}

/**
 * Whether `event` ends a task of the path whose progress is `before` (the state before the event
 * is folded in: a pass's hints are read from its pending submission). An evaluation the fold does
 * not know (redelivered, or of an unknown submission) ends nothing; the first ending of a task
 * is the one that counts.
 */
export function taskEndingOf(before: ProgressState, event: ProgressEvent): TaskEndingEvent | null {
  const open = (taskId: string) => {
    const task = before.tasks[taskId];
    return task && !task.completed && !task.skipped && !task.expired ? task : null;
  };
  switch (event.event_type) {
    case 'task.evaluated': {
      const taskId = event.data.task_id;
      const submission = open(taskId)?.pending[event.data.submission_id];
      return event.data.status === 'passed' && submission
        ? { taskId, how: 'passed', hintsBeforePass: submission.hints }
        : null;
    }
    case 'task.status_changed':
      return event.data.to === 'failed' && open(event.data.task_id)
        ? { taskId: event.data.task_id, how: 'failed' }
        : null;
    case 'task.skipped':
      return open(event.data.task_id) ? { taskId: event.data.task_id, how: 'skipped' } : null;
    case 'task.expired':
      return open(event.data.task_id) ? { taskId: event.data.task_id, how: 'expired' } : null;
    case 'path.created':
    case 'path.config_updated':
    case 'path.policies_changed':
    case 'path.paused':
    case 'path.resumed':
    case 'path.archived':
    case 'task.created':
    case 'task.started':
    case 'task.submitted':
    case 'task.hint_requested':
    case 'task.hint_delivered':
      return null;
    default:
      return assertNever(event, 'event');
  }
}

/** The outcome of a task that `ending` ended, read from the progress after the ending event. */
export function reviewOutcomeAfter(
  ending: TaskEndingEvent,
  after: ProgressState,
): ReviewOutcome | null {
  const task = after.tasks[ending.taskId];
  if (!task) return null;
  return {
    ended: ending.how,
    attempts: task.countedEvaluations,
    hints: ending.hintsBeforePass ?? task.hints,
    workedMs: task.timeSpentMs,
    difficulty: task.difficulty,
  };
}
