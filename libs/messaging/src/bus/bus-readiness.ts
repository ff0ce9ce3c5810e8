/**
 * Resolves once every @HandleEvents subscription of the process exists. Publishers that start with
 * the application (outbox relays) wait for it, so that on the in-process bus, which keeps no
 * messages for groups that have not subscribed yet, nothing is published before its consumers are there.
 *
 * And the other way round at shutdown: those publishers stop (`beforeClose`) before the
 * subscriptions drain, so that what a handler commits while it finishes stays in its log for the
 * next start, never published to groups that are stopping.
 */
export class BusReadiness {
  private resolve!: () => void;
  readonly ready: Promise<void> = new Promise((resolve) => (this.resolve = resolve));
  private readonly closers: (() => Promise<void>)[] = [];

  markReady(): void {
    this.resolve();
  }

  /** Registers a publisher's stop, run before the subscriptions drain. */
  beforeClose(stop: () => Promise<void>): void {
    this.closers.push(stop);
  }

  /** Stops every registered publisher (each once). */
  async closePublishers(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((stop) => stop()));
  }
}
