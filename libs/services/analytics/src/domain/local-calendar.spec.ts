import fc from 'fast-check';
import { dayNumber, dayOfNumber, localDay, weekStart } from './local-calendar';

const at = (iso: string): number => Date.parse(iso);

describe('localDay', () => {
  it('is the wall-calendar date of the zone, not the UTC date', () => {
    expect(localDay(at('2026-07-01T03:30:00Z'), 'America/New_York')).toBe('2026-06-30');
    expect(localDay(at('2026-07-01T03:30:00Z'), 'UTC')).toBe('2026-07-01');
    expect(localDay(at('2026-06-30T15:00:00Z'), 'Australia/Sydney')).toBe('2026-07-01');
  });

  it('follows New York across the spring-forward night (a 23-hour day)', () => {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT. Midnight before is 05:00Z, midnight after 04:00Z.
    expect(localDay(at('2026-03-08T04:59:59Z'), 'America/New_York')).toBe('2026-03-07');
    expect(localDay(at('2026-03-08T05:00:00Z'), 'America/New_York')).toBe('2026-03-08');
    expect(localDay(at('2026-03-09T03:59:59Z'), 'America/New_York')).toBe('2026-03-08');
    expect(localDay(at('2026-03-09T04:00:00Z'), 'America/New_York')).toBe('2026-03-09');
  });

  it('follows New York across the fall-back night (a 25-hour day)', () => {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST. The day runs 04:00Z to 05:00Z the next day.
    expect(localDay(at('2026-11-01T03:59:59Z'), 'America/New_York')).toBe('2026-10-31');
    expect(localDay(at('2026-11-01T04:00:00Z'), 'America/New_York')).toBe('2026-11-01');
    expect(localDay(at('2026-11-02T04:59:59Z'), 'America/New_York')).toBe('2026-11-01');
    expect(localDay(at('2026-11-02T05:00:00Z'), 'America/New_York')).toBe('2026-11-02');
  });

  it('follows Berlin and Sydney across their changes', () => {
    // Berlin 2026-03-29: 02:00 CET → 03:00 CEST; 2026-10-25: 03:00 CEST → 02:00 CET.
    expect(localDay(at('2026-03-29T21:59:59Z'), 'Europe/Berlin')).toBe('2026-03-29');
    expect(localDay(at('2026-03-29T22:00:00Z'), 'Europe/Berlin')).toBe('2026-03-30');
    expect(localDay(at('2026-10-25T22:59:59Z'), 'Europe/Berlin')).toBe('2026-10-25');
    expect(localDay(at('2026-10-25T23:00:00Z'), 'Europe/Berlin')).toBe('2026-10-26');
    // Sydney 2026-04-05: 03:00 AEDT → 02:00 AEST (a 25-hour day); 2026-10-04 the reverse.
    expect(localDay(at('2026-04-05T13:59:59Z'), 'Australia/Sydney')).toBe('2026-04-05');
    expect(localDay(at('2026-04-05T14:00:00Z'), 'Australia/Sydney')).toBe('2026-04-06');
    expect(localDay(at('2026-10-03T13:59:59Z'), 'Australia/Sydney')).toBe('2026-10-03');
    expect(localDay(at('2026-10-03T14:00:00Z'), 'Australia/Sydney')).toBe('2026-10-04');
    expect(localDay(at('2026-10-04T12:59:59Z'), 'Australia/Sydney')).toBe('2026-10-04');
    expect(localDay(at('2026-10-04T13:00:00Z'), 'Australia/Sydney')).toBe('2026-10-05');
  });

  it('handles zones with half- and quarter-hour offsets', () => {
    expect(localDay(at('2026-01-01T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-01-01');
    expect(localDay(at('2026-01-01T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-01-02');
    expect(localDay(at('2026-01-01T18:14:59Z'), 'Asia/Kathmandu')).toBe('2026-01-01');
    expect(localDay(at('2026-01-01T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-01-02');
  });

  it('agrees with the date Intl formats for any instant of 2020-2030 in any of several zones', () => {
    const zones = [
      'America/New_York',
      'Europe/Berlin',
      'Australia/Sydney',
      'Asia/Kathmandu',
      'UTC',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-12-31T23:59:59Z') }),
        fc.constantFrom(...zones),
        (instant, zone) => {
          const [month, day, year] = new Date(instant)
            .toLocaleDateString('en-US', { timeZone: zone })
            .split('/');
          expect(localDay(instant, zone)).toBe(
            `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads an unknown zone as UTC rather than failing', () => {
    expect(localDay(at('2026-07-01T03:30:00Z'), 'Mars/Olympus_Mons')).toBe('2026-07-01');
  });
});

describe('day numbers and weeks', () => {
  it('numbers consecutive dates consecutively, across month, year and DST boundaries', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('2026-03-09') - dayNumber('2026-03-08')).toBe(1);
    expect(dayNumber('2026-11-02') - dayNumber('2026-11-01')).toBe(1);
    expect(dayNumber('2027-01-01') - dayNumber('2026-12-31')).toBe(1);
    expect(dayNumber('2028-03-01') - dayNumber('2028-02-28')).toBe(2);
    expect(dayOfNumber(dayNumber('2026-10-25'))).toBe('2026-10-25');
  });

  it('starts a week on its Monday', () => {
    expect(weekStart('2026-03-02')).toBe('2026-03-02'); // a Monday
    expect(weekStart('2026-03-08')).toBe('2026-03-02'); // the Sunday after
    expect(weekStart('2026-03-09')).toBe('2026-03-09');
    expect(weekStart('2027-01-01')).toBe('2026-12-28'); // across a year
    expect(weekStart('1969-12-31')).toBe('1969-12-29'); // before day 0
  });
});
