import { dayNumber, dayOfNumber, type LocalDay } from './local-calendar';

export interface Streaks {
  /** Consecutive active days ending today, or yesterday while today has no completion yet. */
  current: number;
  /** The most consecutive active days ever. */
  longest: number;
  /** The latest active day, or null before the first completion. */
  lastActiveDay: LocalDay | null;
}

/**
 * Streaks over active days (calendar dates in the path's time zone on which the learner completed
 * at least one task). Consecutive means consecutive dates, however many hours the days had, so a
 * DST change neither breaks nor stretches a streak. Today does not break the current streak until
 * it is over: a learner who was active yesterday still has it this morning.
 */
export function streaksOf(activeDays: Iterable<LocalDay>, today: LocalDay): Streaks {
  const days = [...activeDays];
  if (days.length === 0) return { current: 0, longest: 0, lastActiveDay: null };
  const numbers = [...new Set(days.map(dayNumber))].sort((a, b) => a - b);
  let longest = 1;
  let run = 1;
  for (let i = 1; i < numbers.length; i++) {
    run = numbers[i] === numbers[i - 1] + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  const last = numbers[numbers.length - 1];
  const todayNumber = dayNumber(today);
  // `run` is now the run that ends on the last active day; it is current if that day is today or
  // yesterday. An active day after today (a clock ahead of `now`) keeps the streak too.
  const current = last >= todayNumber - 1 ? run : 0;
  return { current, longest, lastActiveDay: dayOfNumber(last) };
}
