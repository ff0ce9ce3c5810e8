import {
  createEmptyCard,
  fsrs,
  generatorParameters,
  Rating,
  State,
  type Card,
  type FSRS,
  type FSRSParameters,
  type Grade,
} from 'ts-fsrs';
import {
  isSchedulingPolicyVersion,
  LATEST_POLICIES,
  SCHEDULING_POLICY_VERSIONS,
  type SchedulingPolicyVersion,
} from '@studypath/contracts';
import { dayNumber, dayOfNumber, localDay, type LocalDay } from '../local-calendar';
import { dailyReviewCap, pickReviewDay } from './review-load';
import type { ReviewRating } from './review-rating';

/*
 * Review scheduling policies. A path records the version it runs, and a version never changes
 * what it schedules: a new rule is a new version, so replaying a path's history under its own
 * version gives what it gave then. Both versions run FSRS-6 through ts-fsrs with its default
 * parameters, without fuzz (replays stay exact; the load cap spreads reviews instead) and without
 * short-term learning steps (a review is a whole coding task, so the shortest interval is a day).
 *
 * - fsrs-1: plain FSRS, desired retention 0.9. Exactly what ts-fsrs gives.
 * - fsrs-deadline-1: the same memory model, aware of the path's interview date and weekly hours:
 *   1. Desired retention rises as the interview nears: 0.90 while it is 60 or more days away,
 *      0.95 in its last 14 days, linear in between (rounded to 0.001).
 *   2. A review never falls after the day before the interview (the interview day itself only when
 *      the interview is tomorrow).
 *   3. After Again the interval is at most the one that just failed: a review pulled earlier
 *      that still lapsed does not wait longer the next time.
 *   4. No day gets more reviews than the path's daily cap (review-load.ts): the review moves to
 *      the closest day with room, earlier first.
 *   Without an interview ahead (none set, or its day has come) only rules 3 and 4 remain, and
 *   with no day full it schedules exactly as fsrs-1 (plain FSRS never lengthens after Again).
 * Days are calendar days in the path's time zone; `intervalDays` counts them.
 */

// The versions are the contracts' (a path records one): this file gives each its rules.
export {
  isSchedulingPolicyVersion,
  SCHEDULING_POLICY_VERSIONS,
  type SchedulingPolicyVersion,
} from '@studypath/contracts';

export type ReviewCardState = 'new' | 'learning' | 'review' | 'relearning';

/** An FSRS card as plain JSON: stored on the review queue and carried in events as is. */
export interface ReviewCard {
  /** When the next review is due (ISO 8601). */
  due: string;
  /** FSRS stability: days until recall probability falls to 90%. */
  stability: number;
  /** FSRS difficulty, 1–10 (not the problem's difficulty). */
  difficulty: number;
  elapsed_days: number;
  scheduled_days: number;
  learning_steps: number;
  reps: number;
  lapses: number;
  state: ReviewCardState;
  /** When the card was last reviewed (ISO 8601), null for a new card. */
  last_review: string | null;
  last_rating: ReviewRating | null;
}

/** What a policy may know of the path when it schedules a review. */
export interface SchedulingContext {
  /** The path's IANA time zone: the days of the deadline and of the load cap are its dates. */
  timeZone: string;
  /** The path's target interview date (`YYYY-MM-DD`), or null. */
  targetInterviewDate: LocalDay | null;
  hoursPerWeek: number;
  /** The problem's difficulty, 1 (warm-up) to 5 (hard): how long one review of it takes. */
  problemDifficulty: number;
  /** Reviews of the path's other cards already due on each day; a day not listed has none. */
  bookedReviews: Readonly<Record<LocalDay, number>>;
}

export interface ScheduledReview {
  card: ReviewCard;
  /** Days from the review's date to the next one's. */
  intervalDays: number;
  /** When the next review is due (ISO 8601), as on the card. */
  due: string;
  /** The desired retention the interval was computed for. */
  retention: number;
  /** True when the deadline left no day with room: the review goes over the day's cap. */
  overCap: boolean;
}

export interface SchedulingPolicy {
  version: SchedulingPolicyVersion;
  newCard(now: Date): ReviewCard;
  review(
    card: ReviewCard,
    rating: ReviewRating,
    now: Date,
    context: SchedulingContext,
  ): ScheduledReview;
}

export const PLAIN_RETENTION = 0.9;
export const DEADLINE_RETENTION = { far: 0.9, near: 0.95, farDays: 60, nearDays: 14 } as const;

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

const STATES: Record<ReviewCardState, State> = {
  new: State.New,
  learning: State.Learning,
  review: State.Review,
  relearning: State.Relearning,
};
const STATE_NAMES: Record<State, ReviewCardState> = {
  [State.New]: 'new',
  [State.Learning]: 'learning',
  [State.Review]: 'review',
  [State.Relearning]: 'relearning',
};
const GRADES: Record<ReviewRating, Grade> = {
  again: Rating.Again,
  hard: Rating.Hard,
  good: Rating.Good,
  easy: Rating.Easy,
};

/** The ts-fsrs parameters of a policy at a desired retention: FSRS-6 defaults, no fuzz, no steps. */
export function fsrsParameters(retention: number): FSRSParameters {
  return generatorParameters({
    request_retention: retention,
    enable_fuzz: false,
    enable_short_term: false,
  });
}

const schedulers = new Map<number, FSRS>();
/** One scheduler per retention: the deadline curve has at most 51 of them. */
function schedulerFor(retention: number): FSRS {
  let scheduler = schedulers.get(retention);
  if (!scheduler) {
    scheduler = fsrs(fsrsParameters(retention));
    schedulers.set(retention, scheduler);
  }
  return scheduler;
}

function toFsrs(card: ReviewCard): Card {
  return {
    due: new Date(card.due),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    state: STATES[card.state],
    last_review: card.last_review === null ? undefined : new Date(card.last_review),
  };
}

function fromFsrs(card: Card, lastRating: ReviewRating | null): ReviewCard {
  return {
    due: card.due.toISOString(),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    state: STATE_NAMES[card.state],
    last_review: card.last_review ? card.last_review.toISOString() : null,
    last_rating: lastRating,
  };
}

/** A card for a problem whose first task just ended: due at once, so its first review sets it. */
function newCard(now: Date): ReviewCard {
  return fromFsrs(createEmptyCard(now), null);
}

/**
 * The desired retention of fsrs-deadline-1 with the interview this many days away (null: no
 * interview ahead): 0.90 far away, 0.95 in the last two weeks, linear in between.
 */
export function deadlineRetention(daysToInterview: number | null): number {
  const { far, near, farDays, nearDays } = DEADLINE_RETENTION;
  if (daysToInterview === null || daysToInterview >= farDays) return far;
  if (daysToInterview <= nearDays) return near;
  const closeness = (farDays - daysToInterview) / (farDays - nearDays);
  return Math.round((far + (near - far) * closeness) * 1000) / 1000;
}

/** The instant `days` calendar days after `now` at about the same wall time, on that local date. */
function daysLater(now: Date, days: number, timeZone: string): Date {
  const target = dayNumber(localDay(now.getTime(), timeZone)) + days;
  let at = now.getTime() + days * MS_PER_DAY;
  // Across a DST change the same wall time is 23 or 25 hours a day away: step an hour at a time
  // until the instant is on the target date (a zone's offset changes by at most an hour).
  for (let step = 0; step < 3; step++) {
    const day = dayNumber(localDay(at, timeZone));
    if (day === target) break;
    at += Math.sign(target - day) * MS_PER_HOUR;
  }
  return new Date(at);
}

const plain: SchedulingPolicy = {
  version: 'fsrs-1',
  newCard,
  review(card, rating, now) {
    const next = schedulerFor(PLAIN_RETENTION).next(toFsrs(card), now, GRADES[rating]).card;
    const scheduled = fromFsrs(next, rating);
    return {
      card: scheduled,
      intervalDays: next.scheduled_days,
      due: scheduled.due,
      retention: PLAIN_RETENTION,
      overCap: false,
    };
  },
};

const deadlineAware: SchedulingPolicy = {
  version: 'fsrs-deadline-1',
  newCard,
  review(card, rating, now, context) {
    const today = dayNumber(localDay(now.getTime(), context.timeZone));
    const interview =
      context.targetInterviewDate === null ? null : dayNumber(context.targetInterviewDate);
    const ahead = interview !== null && interview > today ? interview : null;
    const retention = deadlineRetention(ahead === null ? null : ahead - today);
    const next = schedulerFor(retention).next(toFsrs(card), now, GRADES[rating]).card;

    const lapsedAfter = rating === 'again' && card.reps > 0 ? card.scheduled_days : Infinity;
    const ideal = today + Math.max(1, Math.min(next.scheduled_days, lapsedAfter));
    const { day, overCap } = pickReviewDay({
      ideal: dayOfNumber(ideal),
      earliest: dayOfNumber(today + 1),
      latest: ahead === null ? null : dayOfNumber(Math.max(today + 1, ahead - 1)),
      cap: dailyReviewCap(context.hoursPerWeek, context.problemDifficulty),
      booked: context.bookedReviews,
    });
    const intervalDays = dayNumber(day) - today;
    const due = daysLater(now, intervalDays, context.timeZone).toISOString();
    return {
      card: { ...fromFsrs(next, rating), due, scheduled_days: intervalDays },
      intervalDays,
      due,
      retention,
      overCap,
    };
  },
};

export const schedulingPolicies: Readonly<Record<SchedulingPolicyVersion, SchedulingPolicy>> = {
  'fsrs-1': plain,
  'fsrs-deadline-1': deadlineAware,
};
/** The version new paths get. */
export const LATEST_SCHEDULING_POLICY: SchedulingPolicyVersion = LATEST_POLICIES.scheduling;

export class UnknownSchedulingPolicyError extends Error {
  constructor(readonly version: string) {
    super(
      `unknown review scheduling policy "${version}" (known: ${SCHEDULING_POLICY_VERSIONS.join(', ')})`,
    );
    this.name = 'UnknownSchedulingPolicyError';
  }
}

/** The policy of a version a path records; an unknown version is an error, never a fallback. */
export function schedulingPolicy(version: string): SchedulingPolicy {
  if (!isSchedulingPolicyVersion(version)) throw new UnknownSchedulingPolicyError(version);
  return schedulingPolicies[version];
}

/**
 * The probability the learner would recall the card's problem at `now`: FSRS's forgetting curve
 * at the days since its last review (the model's parameters are the same for every policy; only
 * the desired retention differs). A card never reviewed is 0.
 */
export function retrievability(card: ReviewCard, now: Date): number {
  if (card.last_review === null || card.stability <= 0) return 0;
  return schedulerFor(PLAIN_RETENTION).get_retrievability(toFsrs(card), now, false);
}
