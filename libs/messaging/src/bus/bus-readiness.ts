/**
 * Resolves once every @HandleEvents subscription of the process exists. Publishers that start with
 * the application (outbox relays) wait for it, so that on the in-process bus, which keeps no
 * messages for groups that have not subscribed yet, nothing is published before its consumers are there.
 */
export class BusReadiness {
  private resolve!: () => void;
  readonly ready: Promise<void> = new Promise((resolve) => (this.resolve = resolve));

  markReady(): void {
    this.resolve();
  }
}
