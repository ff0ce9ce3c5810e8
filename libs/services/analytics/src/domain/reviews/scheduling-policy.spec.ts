import { createEmptyCard, default_w, fsrs, generatorParameters, Rating, type Grade } from 'ts-fsrs';
import { dayNumber, localDay } from '../local-calendar';
import type { ReviewRating } from './review-rating';
import {
  deadlineRetention,
  fsrsParameters,
  LATEST_SCHEDULING_POLICY,
  schedulingPolicies,
  schedulingPolicy,
  SCHEDULING_POLICY_VERSIONS,
  UnknownSchedulingPolicyError,
  type ReviewCard,
  type SchedulingContext,
  type SchedulingPolicy,
} from './scheduling-policy';

const START = new Date('2026-01-05T10:00:00Z');
const context = (over: Partial<SchedulingContext> = {}): SchedulingContext => ({
  timeZone: 'UTC',
  targetInterviewDate: null,
  hoursPerWeek: 7,
  problemDifficulty: 3,
  bookedReviews: {},
  ...over,
});
const GRADES: Record<ReviewRating, Grade> = {
  again: Rating.Again,
  hard: Rating.Hard,
  good: Rating.Good,
  easy: Rating.Easy,
};

/** Reviews a new card with these ratings, each on the day it falls due. */
function run(policy: SchedulingPolicy, ratings: ReviewRating[], ctx = context()) {
  let card = policy.newCard(START);
  let now = START;
  const intervals: number[] = [];
  for (const rating of ratings) {
    const next = policy.review(card, rating, now, ctx);
    intervals.push(next.intervalDays);
    card = next.card;
    now = new Date(next.due);
  }
  return { card, intervals };
}

describe('fsrs-1: plain FSRS-6 through ts-fsrs', () => {
  const policy = schedulingPolicies['fsrs-1'];

  it('runs FSRS-6 default weights at retention 0.9, without fuzz or learning steps', () => {
    const parameters = fsrsParameters(0.9);
    expect(parameters.w).toEqual(default_w);
    expect(parameters.w).toHaveLength(21); // FSRS-6
    expect(parameters).toMatchObject({
      request_retention: 0.9,
      enable_fuzz: false,
      enable_short_term: false,
    });
  });

  it('gives exactly what ts-fsrs gives for Good, Good, Again, Good, Hard, Easy', () => {
    const ratings: ReviewRating[] = ['good', 'good', 'again', 'good', 'hard', 'easy'];
    const reference = fsrs(generatorParameters({ enable_fuzz: false, enable_short_term: false }));
    let expected = createEmptyCard(START);
    let card = policy.newCard(START);
    let now = START;
    for (const rating of ratings) {
      expected = reference.next(expected, now, GRADES[rating]).card;
      const next = policy.review(card, rating, now, context());
      expect(next.card).toEqual({
        ...expected,
        due: expected.due.toISOString(),
        last_review: expected.last_review?.toISOString(),
        state: 'review',
        last_rating: rating,
      });
      expect(next.intervalDays).toBe(expected.scheduled_days);
      expect(next.due).toBe(expected.due.toISOString());
      card = next.card;
      now = expected.due;
    }
  });

  it('keeps the intervals ts-fsrs 5.4.2 gave for Good, Good, Again, Good (a pinned regression)', () => {
    expect(run(policy, ['good', 'good', 'again', 'good']).intervals).toEqual([3, 14, 2, 5]);
  });

  it('starts a card due at once, new, with no review', () => {
    expect(policy.newCard(START)).toMatchObject({
      due: START.toISOString(),
      state: 'new',
      reps: 0,
      lapses: 0,
      last_review: null,
      last_rating: null,
    });
  });

  it('reviews a card that went through JSON as it reviews the card itself', () => {
    const { card } = run(policy, ['good', 'hard']);
    const stored = JSON.parse(JSON.stringify(card)) as ReviewCard;
    expect(stored).toEqual(card);
    const now = new Date(card.due);
    expect(policy.review(stored, 'good', now, context())).toEqual(
      policy.review(card, 'good', now, context()),
    );
  });
});

describe('fsrs-deadline-1', () => {
  const policy = schedulingPolicies['fsrs-deadline-1'];

  it('raises desired retention from 0.90 (60+ days out) to 0.95 (the last 14 days), linearly', () => {
    expect(deadlineRetention(null)).toBe(0.9);
    expect(deadlineRetention(200)).toBe(0.9);
    expect(deadlineRetention(60)).toBe(0.9);
    expect(deadlineRetention(37)).toBe(0.925);
    expect(deadlineRetention(14)).toBe(0.95);
    expect(deadlineRetention(1)).toBe(0.95);
  });

  it('is plain FSRS without an interview date and with days to spare', () => {
    const ratings: ReviewRating[] = ['good', 'good', 'again', 'good', 'easy', 'hard'];
    expect(run(policy, ratings)).toEqual(run(schedulingPolicies['fsrs-1'], ratings));
  });

  it('ignores an interview date that has passed', () => {
    const ratings: ReviewRating[] = ['good', 'good', 'good'];
    const past = context({ targetInterviewDate: '2025-12-01' });
    expect(run(policy, ratings, past).intervals).toEqual(
      run(schedulingPolicies['fsrs-1'], ratings).intervals,
    );
  });

  it('schedules shorter intervals at the higher retention of an interview weeks away', () => {
    const { card } = run(schedulingPolicies['fsrs-1'], ['good', 'good']);
    const now = new Date(card.due); // 2026-01-22
    const plain = policy.review(card, 'good', now, context());
    const nearing = policy.review(
      card,
      'good',
      now,
      context({ targetInterviewDate: '2026-02-28' }),
    );
    expect(nearing.retention).toBe(0.925); // 37 days out
    expect(nearing.intervalDays).toBeLessThan(plain.intervalDays);
    expect(nearing.card.stability).toBe(plain.card.stability); // retention moves intervals only
  });

  it('pulls a review that would fall after the interview to the day before it', () => {
    const { card } = run(schedulingPolicies['fsrs-1'], ['good', 'good']);
    const now = new Date(card.due); // 2026-01-22; Good would wait 57 days, to March 20
    const result = policy.review(card, 'good', now, context({ targetInterviewDate: '2026-03-01' }));
    expect(localDay(Date.parse(result.due), 'UTC')).toBe('2026-02-28');
    expect(result.card.scheduled_days).toBe(result.intervalDays);
  });

  it('with the interview tomorrow, schedules the next review on the interview day', () => {
    const result = policy.review(
      policy.newCard(START),
      'easy',
      START,
      context({ targetInterviewDate: '2026-01-06' }),
    );
    expect(result).toMatchObject({ intervalDays: 1, due: '2026-01-06T10:00:00.000Z' });
  });

  it('after Again never waits longer than the interval that just failed', () => {
    // A card whose last interval was pulled to 1 day though its stability says 20.
    const { card } = run(schedulingPolicies['fsrs-1'], ['good', 'good', 'good']);
    const pulled: ReviewCard = { ...card, scheduled_days: 1 };
    const now = new Date(Date.parse(pulled.last_review ?? '') + 86_400_000);
    expect(policy.review(pulled, 'again', now, context()).intervalDays).toBe(1);
  });

  it('moves a review off a full day to the closest earlier day with room', () => {
    const { card } = run(schedulingPolicies['fsrs-1'], ['good']);
    const now = new Date(card.due); // 2026-01-08, next Good is 14 days later
    const booked = { '2026-01-22': 1, '2026-01-21': 1 };
    const result = policy.review(card, 'good', now, context({ bookedReviews: booked }));
    expect(result).toMatchObject({ intervalDays: 12, due: '2026-01-20T10:00:00.000Z' });
  });

  it('counts days on the calendar of the path across a DST change', () => {
    // 23:30 on March 6 in New York; the next review, 3 calendar days later, is on March 9 even
    // though 72 hours later it is already March 10 there (spring forward on March 8).
    const now = new Date('2026-03-07T04:30:00Z');
    const zone = 'America/New_York';
    const result = policy.review(policy.newCard(now), 'good', now, context({ timeZone: zone }));
    expect(result.intervalDays).toBe(3);
    expect(localDay(Date.parse(result.due), zone)).toBe('2026-03-09');
    expect(dayNumber(localDay(Date.parse(result.due), zone)) - dayNumber('2026-03-06')).toBe(3);
  });
});

describe('the policy registry', () => {
  it('knows every version by its own name, and the latest is one of them', () => {
    for (const version of SCHEDULING_POLICY_VERSIONS) {
      expect(schedulingPolicy(version).version).toBe(version);
    }
    expect(SCHEDULING_POLICY_VERSIONS).toContain(LATEST_SCHEDULING_POLICY);
  });

  it('refuses an unknown version with an error that names the known ones', () => {
    expect(() => schedulingPolicy('fsrs-9')).toThrow(UnknownSchedulingPolicyError);
    expect(() => schedulingPolicy('toString')).toThrow(
      'unknown review scheduling policy "toString" (known: fsrs-1, fsrs-deadline-1)',
    );
  });
});
