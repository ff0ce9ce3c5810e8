/**
 * Exponential backoff with full jitter: before retry `n` (1, 2, ...), a delay drawn uniformly
 * from [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). The randomness spreads the retries of many
 * clients that failed together, so that they do not come back together.
 */
export function fullJitterDelay(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
