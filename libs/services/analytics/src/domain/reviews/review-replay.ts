import { dayNumber, localDay, type LocalDay } from '../local-calendar';
import {
  applyProgress,
  hoursPerWeekOf,
  initialProgress,
  type ProgressEvent,
} from '../progress.read-model';
import { reviewCard } from './review-queue';
import {
  reviewOutcomeAfter,
  taskEndingOf,
  type ReviewRating,
  type TaskEnding,
} from './review-rating';
import type { ReviewCard } from './scheduling-policy';

/** One scheduling decision of a replay: a task on a problem ended, its card was scheduled. */
export interface ReplayedReview {
  taskId: string;
  problemId: string;
  endedAt: string;
  ended: TaskEnding;
  rating: ReviewRating;
  intervalDays: number;
  due: string;
  dueDay: LocalDay;
  overCap: boolean;
}

/**
 * The review queue's decisions over one path's history, as the live queue makes them (ReviewQueue:
 * the same rating, the same policy, the same load of the path's other cards), but every review
 * scheduled by `policyVersion`, whatever the path ran: for comparing policies on real histories
 * (`npm run policy -- what-if`). Pure: nothing is read or written.
 */
export function replayReviews(
  events: readonly ProgressEvent[],
  policyVersion: string,
): ReplayedReview[] {
  const state = initialProgress();
  const cards = new Map<string, { card: ReviewCard; dueDay: LocalDay }>();
  const decisions: ReplayedReview[] = [];
  for (const event of events) {
    const ending = taskEndingOf(state, event);
    applyProgress(state, event);
    if (!ending) continue;
    const task = state.tasks[ending.taskId];
    const outcome = reviewOutcomeAfter(ending, state);
    if (!task?.problemId || !outcome) continue;
    const now = new Date(event.occurred_at);
    const tomorrow = dayNumber(localDay(now.getTime(), state.timeZone)) + 1;
    const booked: Record<LocalDay, number> = {};
    for (const [problemId, other] of cards) {
      if (problemId === task.problemId || dayNumber(other.dueDay) < tomorrow) continue;
      booked[other.dueDay] = (booked[other.dueDay] ?? 0) + 1;
    }
    const scheduled = reviewCard(
      cards.get(task.problemId)?.card ?? null,
      outcome,
      policyVersion,
      now,
      {
        timeZone: state.timeZone,
        targetInterviewDate: state.targetInterviewDate,
        hoursPerWeek: hoursPerWeekOf(state),
        problemDifficulty: task.difficulty,
        bookedReviews: booked,
      },
    );
    const dueDay = localDay(Date.parse(scheduled.due), state.timeZone);
    cards.set(task.problemId, { card: scheduled.card, dueDay });
    decisions.push({
      taskId: ending.taskId,
      problemId: task.problemId,
      endedAt: event.occurred_at,
      ended: ending.how,
      rating: scheduled.rating,
      intervalDays: scheduled.intervalDays,
      due: scheduled.due,
      dueDay,
      overCap: scheduled.overCap,
    });
  }
  return decisions;
}
