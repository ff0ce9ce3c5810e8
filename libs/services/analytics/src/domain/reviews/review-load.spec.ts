import fc from 'fast-check';
import { dayNumber, dayOfNumber } from '../local-calendar';
import { dailyReviewCap, pickReviewDay, type ReviewDayRequest } from './review-load';

describe('dailyReviewCap', () => {
  it('gives reviews half of the daily minutes, in expected minutes per problem, at least one', () => {
    // 7 h a week: 60 min a day, 30 of them for reviews.
    expect([1, 2, 3, 4, 5].map((d) => dailyReviewCap(7, d))).toEqual([3, 2, 1, 1, 1]);
    // 20 h a week: 171 min a day, 85.7 for reviews.
    expect([1, 2, 3, 4, 5].map((d) => dailyReviewCap(20, d))).toEqual([8, 5, 4, 2, 2]);
    expect(dailyReviewCap(1, 1)).toBe(1);
  });
});

describe('pickReviewDay', () => {
  const request = (over: Partial<ReviewDayRequest>): ReviewDayRequest => ({
    ideal: '2026-03-10',
    earliest: '2026-03-02',
    latest: null,
    cap: 2,
    booked: {},
    ...over,
  });

  it('takes the ideal day while it has room', () => {
    expect(pickReviewDay(request({ booked: { '2026-03-10': 1 } }))).toEqual({
      day: '2026-03-10',
      overCap: false,
    });
  });

  it('moves earlier to the closest day with room', () => {
    const booked = { '2026-03-10': 2, '2026-03-09': 3, '2026-03-11': 0 };
    expect(pickReviewDay(request({ booked })).day).toBe('2026-03-08');
  });

  it('moves later only when every day from the earliest to the ideal is full', () => {
    const booked = { '2026-03-02': 2, '2026-03-03': 2, '2026-03-04': 2, '2026-03-05': 2 };
    const result = pickReviewDay(request({ ideal: '2026-03-05', booked }));
    expect(result).toEqual({ day: '2026-03-06', overCap: false });
  });

  it('never goes past the latest day: with no room left it overbooks the least booked one', () => {
    const booked = { '2026-03-02': 3, '2026-03-03': 2, '2026-03-04': 4 };
    const latest = '2026-03-04';
    expect(pickReviewDay(request({ ideal: '2026-03-20', latest, booked }))).toEqual({
      day: '2026-03-03',
      overCap: true,
    });
  });

  it('pulls an ideal day after the latest one back to it', () => {
    expect(pickReviewDay(request({ ideal: '2026-04-20', latest: '2026-03-31' })).day).toBe(
      '2026-03-31',
    );
  });

  const start = dayNumber('2026-03-02');
  const arbitraryRequest = fc
    .record({
      idealOffset: fc.integer({ min: -3, max: 40 }),
      latestOffset: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
      cap: fc.integer({ min: 1, max: 4 }),
      loads: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 45 }),
    })
    .map(({ idealOffset, latestOffset, cap, loads }) => ({
      ideal: dayOfNumber(start + idealOffset),
      earliest: dayOfNumber(start),
      latest: latestOffset === null ? null : dayOfNumber(start + latestOffset),
      cap,
      booked: Object.fromEntries(loads.map((load, i) => [dayOfNumber(start + i), load])),
    }));

  it('keeps within the earliest and latest day, and within the cap unless it says so', () => {
    fc.assert(
      fc.property(arbitraryRequest, (req) => {
        const { day, overCap } = pickReviewDay(req);
        const picked = dayNumber(day);
        expect(picked).toBeGreaterThanOrEqual(start);
        if (req.latest !== null) expect(picked).toBeLessThanOrEqual(dayNumber(req.latest));
        const load = (n: number): number => req.booked[dayOfNumber(n)] ?? 0;
        if (!overCap) expect(load(picked)).toBeLessThan(req.cap);
        const allowed = req.latest === null ? [] : range(start, dayNumber(req.latest));
        // Over the cap only when the deadline leaves no day with room; never without a deadline.
        expect(overCap).toBe(req.latest !== null && allowed.every((n) => load(n) >= req.cap));
        // Later than the ideal day only when no day from the earliest to it has room.
        const ideal = Math.max(start, dayNumber(req.ideal));
        if (!overCap && picked > ideal) {
          expect(range(start, ideal).every((n) => load(n) >= req.cap)).toBe(true);
        }
      }),
    );
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
