import { dayNumber, dayOfNumber, type LocalDay } from '../local-calendar';

/*
 * How many reviews a day can hold. A path's `hours_per_week` is the learner's whole study budget;
 * reviews may take at most half of a day's share of it, the rest is for new tasks. A review is a
 * whole coding task, re-solved, so it costs the minutes a problem of its difficulty is expected to
 * take:
 *
 *   daily review minutes = hours_per_week × 60 / 7 × REVIEW_SHARE
 *   cap(difficulty)      = max(1, ⌊daily review minutes / EXPECTED_MINUTES[difficulty]⌋)
 *
 * A day always takes at least one review, so a learner with little time still reviews.
 */

/** Minutes a learner is expected to need for a problem of each difficulty (1 warm-up … 5 hard). */
export const EXPECTED_MINUTES: Readonly<Record<number, number>> = {
  1: 10,
  2: 15,
  3: 20,
  4: 30,
  5: 40,
};

/** The part of the daily study budget reviews may take. */
export const REVIEW_SHARE = 0.5;

/** The expected minutes of a difficulty; one outside 1..5 counts as the nearest end. */
export function expectedMinutes(difficulty: number): number {
  const level = Math.min(5, Math.max(1, Math.round(difficulty)));
  return EXPECTED_MINUTES[level] ?? EXPECTED_MINUTES[3];
}

/** The most reviews of problems of this difficulty one day may hold. */
export function dailyReviewCap(hoursPerWeek: number, difficulty: number): number {
  const reviewMinutes = ((hoursPerWeek * 60) / 7) * REVIEW_SHARE;
  return Math.max(1, Math.floor(reviewMinutes / expectedMinutes(difficulty)));
}

export interface ReviewDayRequest {
  /** The day the scheduler would pick with no load: the review falls due on it. */
  ideal: LocalDay;
  /** The first day a review may fall on (the day after the review that schedules it). */
  earliest: LocalDay;
  /** The last day a review may fall on (before the interview), or null without a deadline. */
  latest: LocalDay | null;
  /** The most reviews a day may hold. */
  cap: number;
  /** Reviews already booked on each day; a day not listed has none. */
  booked: Readonly<Record<LocalDay, number>>;
}

export interface ReviewDay {
  day: LocalDay;
  /** True when every day the deadline allows was full: the review goes over the cap on `day`. */
  overCap: boolean;
}

/**
 * The day a review falls on: the closest day with room at or before the ideal day (reviewing a
 * little early costs little retention, reviewing late costs more), then the closest after it
 * while that is still on or before `latest`. When a deadline leaves no day with room the deadline
 * wins over the cap: the least booked allowed day takes the review (on a tie, the one picked the
 * same way as above).
 */
export function pickReviewDay(request: ReviewDayRequest): ReviewDay {
  const earliest = dayNumber(request.earliest);
  const latest = request.latest === null ? null : Math.max(earliest, dayNumber(request.latest));
  const ideal = Math.min(Math.max(dayNumber(request.ideal), earliest), latest ?? Infinity);
  const load = (day: number): number => request.booked[dayOfNumber(day)] ?? 0;
  const hasRoom = (day: number): boolean => load(day) < request.cap;

  for (let day = ideal; day >= earliest; day--) {
    if (hasRoom(day)) return { day: dayOfNumber(day), overCap: false };
  }
  // Without a deadline some day after the ideal one has room: only listed days can be full.
  const last = latest ?? ideal + Object.keys(request.booked).length + 1;
  for (let day = ideal + 1; day <= last; day++) {
    if (hasRoom(day)) return { day: dayOfNumber(day), overCap: false };
  }
  let best = ideal;
  for (let day = ideal; day >= earliest; day--) if (load(day) < load(best)) best = day;
  for (let day = ideal + 1; day <= last; day++) if (load(day) < load(best)) best = day;
  return { day: dayOfNumber(best), overCap: true };
}
