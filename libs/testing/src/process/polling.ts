export interface PollOptions {
  /** How long to keep trying; 30 s by default. */
  timeoutMs?: number;
  /** The pause between tries; 50 ms by default. */
  intervalMs?: number;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value (anything but `undefined` or `false`) and returns it.
 * After `timeoutMs` it throws "timed out waiting for <what>"; `what` may be a function, to describe
 * the state the probe last saw.
 */
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string | (() => string),
  { timeoutMs = 30_000, intervalMs = 50 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await pause(intervalMs);
  }
}

/**
 * Polls `check` (typically `expect`s) until it stops throwing. After `timeoutMs` it fails with the
 * check's last error, so the test reports the assertion itself rather than a timeout.
 */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await pause(intervalMs);
    }
  }
}
