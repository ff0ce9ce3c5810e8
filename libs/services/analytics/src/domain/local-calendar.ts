/*
 * Calendar days in a path's time zone. A day is a date on the learner's wall calendar, not a
 * 24-hour window: around a DST change a day lasts 23 or 25 hours, and two instants 24 hours apart
 * can fall on the same date or two dates apart. Intl knows the zone rules (IANA tzdata), so the
 * date of an instant comes from Intl.DateTimeFormat; the arithmetic on dates (the day after, the
 * Monday of a week) is done on day numbers, where no time zone is involved.
 */

/** A local calendar date, `YYYY-MM-DD`. */
export type LocalDay = string;

export const FALLBACK_TIME_ZONE = 'UTC';

const MS_PER_DAY = 86_400_000;
/**
 * Every zone's UTC offset today is a multiple of 15 minutes and changes on such a boundary, so all
 * instants of one 15-minute UTC slot share a local date: the date of a slot is computed once.
 */
const SLOT_MS = 15 * 60_000;
const CACHE_LIMIT = 50_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const slotDays = new Map<string, LocalDay>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    const options = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
    try {
      formatter = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    } catch {
      // An unknown zone (only the path service validates them) counts in UTC rather than failing.
      formatter = new Intl.DateTimeFormat('en-US', { ...options, timeZone: FALLBACK_TIME_ZONE });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The date on the wall calendar of `timeZone` at the instant `epochMs`. */
export function localDay(epochMs: number, timeZone: string): LocalDay {
  const key = `${timeZone}|${Math.floor(epochMs / SLOT_MS)}`;
  const cached = slotDays.get(key);
  if (cached !== undefined) return cached;
  let year = '';
  let month = '';
  let day = '';
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  const result = `${year.padStart(4, '0')}-${month}-${day}`;
  if (slotDays.size >= CACHE_LIMIT) slotDays.clear();
  slotDays.set(key, result);
  return result;
}

/** Days since 1970-01-01 of a calendar date: consecutive dates differ by exactly 1. */
export function dayNumber(day: LocalDay): number {
  const [year, month, date] = day.split('-').map(Number);
  return Date.UTC(year, month - 1, date) / MS_PER_DAY;
}

/** The calendar date of a day number. */
export function dayOfNumber(number: number): LocalDay {
  return new Date(number * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The Monday that starts the ISO week of a date (weeks run Monday to Sunday). */
export function weekStart(day: LocalDay): LocalDay {
  const number = dayNumber(day);
  // 1970-01-01 was a Thursday: day number 0 is weekday 3 counting from Monday = 0.
  const weekday = (((number + 3) % 7) + 7) % 7;
  return dayOfNumber(number - weekday);
}
