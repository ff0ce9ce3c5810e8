import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG, InjectDataSource, type AppConfig } from '@studypath/platform';
import type { DataSource } from 'typeorm';
import { ReviewQueue } from './review-queue.service';

/** Cards made due in one transaction; a pass goes on while a batch comes back full. */
const BATCH = 200;

/**
 * Publishes `analytics.review_due` for the review cards that have fallen due (docs/reviews.md).
 * Runs every REVIEW_DUE_INTERVAL_MS; with several replicas one runs a pass at a time (a
 * transaction-scoped advisory lock), and a card is marked pending in the transaction that
 * publishes it, so running twice, on two replicas or after a crash makes no second review.
 */
@Injectable()
export class ReviewDueJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ReviewDue');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** Passes failed in a row. */
  private failures = 0;

  constructor(
    @InjectDataSource('analytics') private readonly dataSource: DataSource,
    private readonly queue: ReviewQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then((published) => {
          if (this.failures > 0) {
            this.logger.log(`review passes work again after ${this.failures} failed`);
            this.failures = 0;
          }
          return published;
        })
        .catch((error: unknown) => {
          // The database away is an outage /health reports: say it once, then again when it ends.
          if (this.failures === 0) this.logger.warn(`review pass failed: ${String(error)}`);
          this.failures += 1;
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, this.config.reviewDueIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: makes every card due at `now` due once; returns how many. */
  async runOnce(now: Date = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.dataSource.transaction(async (manager) => {
        const [lock] = (await manager.query(
          'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
          ['studypath.analytics.review-due'],
        )) as { locked: boolean }[];
        if (!lock?.locked) return 0;
        return this.queue.publishDue(now, BATCH, manager);
      });
      total += published;
      if (published < BATCH) break;
    }
    if (total > 0) this.logger.log(`${total} review(s) due`);
    return total;
  }
}
