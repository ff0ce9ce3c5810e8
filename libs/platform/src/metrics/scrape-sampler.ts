/**
 * A value read at scrape time from somewhere that may be slow or away (PostgreSQL, the Kafka
 * cluster). A scrape waits for a read at most `deadlineMs`: a slower read goes on, and the scrape
 * reports the last value read (a later scrape gets the new one); a failed read reports nothing, so
 * a series that cannot be known is absent rather than stale. Concurrent scrapes share one read.
 */
export class ScrapeSampler<T> {
  private last: T | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly deadlineMs: number,
  ) {}

  async sample(): Promise<T | undefined> {
    this.reading ??= this.refresh().finally(() => {
      this.reading = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.deadlineMs);
    });
    try {
      await Promise.race([this.reading, deadline]);
    } finally {
      clearTimeout(timer);
    }
    return this.last;
  }

  private async refresh(): Promise<void> {
    try {
      this.last = await this.read();
    } catch {
      this.last = undefined;
    }
  }
}
