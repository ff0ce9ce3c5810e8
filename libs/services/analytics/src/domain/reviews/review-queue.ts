import { ratingOf, type ReviewOutcome, type ReviewRating } from './review-rating';
import {
  schedulingPolicy,
  type ReviewCard,
  type ScheduledReview,
  type SchedulingContext,
} from './scheduling-policy';

/** A card rated from a finished task and scheduled again. */
export interface CardReviewed extends ScheduledReview {
  rating: ReviewRating;
}

/**
 * The review queue's step when a task on a problem ends: the problem's card (a new one the first
 * time) is rated from what the learner did and scheduled by the path's policy, as of `now` (the
 * ending event's time, so that a replay schedules the same).
 */
export function reviewCard(
  existing: ReviewCard | null,
  outcome: ReviewOutcome,
  policyVersion: string,
  now: Date,
  context: SchedulingContext,
): CardReviewed {
  const policy = schedulingPolicy(policyVersion);
  const rating = ratingOf(outcome);
  return { rating, ...policy.review(existing ?? policy.newCard(now), rating, now, context) };
}
