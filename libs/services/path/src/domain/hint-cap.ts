/** The window of the daily hint cap: any 24 hours, not a calendar day (no timezone to pick). */
export const HINT_CAP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The user's hint requests within the window before now: how many, and when the oldest was. */
export interface HintUsage {
  used: number;
  oldest: Date | null;
}

/**
 * Whether one more hint request fits under the cap: undefined when it does, else the seconds
 * until it will (when the oldest request in the window leaves it), at least 1.
 */
export function secondsUntilHintAllowed(
  usage: HintUsage,
  cap: number,
  now: Date,
): number | undefined {
  if (usage.used < cap) return undefined;
  const frees = (usage.oldest?.getTime() ?? now.getTime()) + HINT_CAP_WINDOW_MS;
  return Math.max(1, Math.ceil((frees - now.getTime()) / 1000));
}
