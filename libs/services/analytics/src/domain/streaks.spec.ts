import { localDay } from './local-calendar';
import { streaksOf } from './streaks';

/** The local dates of completions at these instants, as the read model records them. */
const daysOf = (zone: string, instants: string[]): string[] =>
  instants.map((iso) => localDay(Date.parse(iso), zone));

describe('streaksOf', () => {
  it('is zero with no active day', () => {
    expect(streaksOf([], '2026-03-08')).toEqual({ current: 0, longest: 0, lastActiveDay: null });
  });

  it('counts consecutive dates; a gap of a day ends a run', () => {
    const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-05', '2026-01-06'];
    expect(streaksOf(days, '2026-01-06')).toEqual({
      current: 2,
      longest: 3,
      lastActiveDay: '2026-01-06',
    });
  });

  it('keeps the current streak through today until today is over, and ends it after', () => {
    const days = ['2026-01-04', '2026-01-05'];
    expect(streaksOf(days, '2026-01-06').current).toBe(2); // nothing yet today
    expect(streaksOf(days, '2026-01-07').current).toBe(0); // yesterday was missed
    expect(streaksOf(days, '2026-01-07').longest).toBe(2);
  });

  it('counts a day once however many tasks were completed on it, in any order', () => {
    const days = ['2026-01-03', '2026-01-01', '2026-01-02', '2026-01-02', '2026-01-01'];
    expect(streaksOf(days, '2026-01-03')).toEqual({
      current: 3,
      longest: 3,
      lastActiveDay: '2026-01-03',
    });
  });

  it('is not broken by the 23-hour day of spring forward (New York, 2026-03-08)', () => {
    // 23:30 local on the 7th (EST), then 00:30 local on the 9th (EDT): only 24 hours apart, yet
    // the 8th had no completion, so the run starts again.
    const zone = 'America/New_York';
    const withoutTheEighth = daysOf(zone, ['2026-03-08T04:30:00Z', '2026-03-09T04:30:00Z']);
    expect(withoutTheEighth).toEqual(['2026-03-07', '2026-03-09']);
    expect(streaksOf(withoutTheEighth, '2026-03-09').current).toBe(1);
    // 23:30 on the 7th, 23:30 on the 8th (23 hours later), 23:30 on the 9th (24 hours later).
    const everyDay = daysOf(zone, [
      '2026-03-08T04:30:00Z',
      '2026-03-09T03:30:00Z',
      '2026-03-10T03:30:00Z',
    ]);
    expect(everyDay).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(streaksOf(everyDay, '2026-03-09')).toMatchObject({ current: 3, longest: 3 });
  });

  it('is not stretched by the 25-hour day of fall back (New York, 2026-11-01)', () => {
    const zone = 'America/New_York';
    // 00:10 on Nov 1 (EDT) and 23:50 on Nov 1 (EST): 24 h 40 min apart, one calendar day.
    const sameDay = daysOf(zone, ['2026-11-01T04:10:00Z', '2026-11-02T04:50:00Z']);
    expect(sameDay).toEqual(['2026-11-01', '2026-11-01']);
    expect(streaksOf(sameDay, '2026-11-01')).toMatchObject({ current: 1, longest: 1 });
    // 23:50 on Oct 31, then 00:10 on Nov 2: 24 h 20 min apart, yet a whole day (Nov 1) between.
    const gap = daysOf(zone, ['2026-11-01T03:50:00Z', '2026-11-02T05:10:00Z']);
    expect(gap).toEqual(['2026-10-31', '2026-11-02']);
    expect(streaksOf(gap, '2026-11-02')).toMatchObject({ current: 1, longest: 1 });
  });

  it('counts Berlin and Sydney days across their changes', () => {
    // Berlin, 2026-10-25 (25 hours): one completion at 23:30 each night, Saturday to Monday.
    const berlin = daysOf('Europe/Berlin', [
      '2026-10-24T21:30:00Z', // 23:30 CEST, Sat 24
      '2026-10-25T22:30:00Z', // 23:30 CET, Sun 25
      '2026-10-26T22:30:00Z', // 23:30 CET, Mon 26
    ]);
    expect(berlin).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
    expect(streaksOf(berlin, '2026-10-27').current).toBe(3);
    // Sydney, 2026-10-04 (23 hours): at 00:30 on the 4th and 23:30 on the 4th, then the 5th.
    const sydney = daysOf('Australia/Sydney', [
      '2026-10-03T14:30:00Z', // 00:30 AEST, Sun 4
      '2026-10-04T12:30:00Z', // 23:30 AEDT, Sun 4
      '2026-10-04T13:30:00Z', // 00:30 AEDT, Mon 5
    ]);
    expect(sydney).toEqual(['2026-10-04', '2026-10-04', '2026-10-05']);
    expect(streaksOf(sydney, '2026-10-05')).toMatchObject({ current: 2, longest: 2 });
  });

  it('keeps a streak whose last day is ahead of today (a zone change moved "today" back)', () => {
    expect(streaksOf(['2026-05-01', '2026-05-02'], '2026-05-01').current).toBe(2);
  });
});
