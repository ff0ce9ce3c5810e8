/** Gives a slot back. Calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/**
 * Caps the requests of this process that hold a connection open while they wait (long polls): at
 * most `maxWaiters` in all and `maxWaitersPerUser` per user (LONG_POLL_MAX_WAITERS[_PER_USER]).
 * Without a slot a request does not wait: it answers at once with what there is.
 */
export class LongPollSlots {
  private total = 0;
  private readonly perUser = new Map<string, number>();

  constructor(private readonly limits: { maxWaiters: number; maxWaitersPerUser: number }) {}

  /** A slot for one wait of `userId`, or undefined when the process or the user has none left. */
  tryAcquire(userId: string): ReleaseSlot | undefined {
    const mine = this.perUser.get(userId) ?? 0;
    if (this.total >= this.limits.maxWaiters || mine >= this.limits.maxWaitersPerUser) {
      return undefined;
    }
    this.total += 1;
    this.perUser.set(userId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left === 0) this.perUser.delete(userId);
      else this.perUser.set(userId, left);
    };
  }

  /** Waits in progress: for /health's details and tests. */
  get inUse(): number {
    return this.total;
  }
}
