import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@studypath/contracts';
import type { DataSource, QueryRunner } from 'typeorm';
import { CheckpointStore } from './checkpoint.store';
import { CheckpointConflictError } from './errors';
import type { LogPosition } from './log-position';
import type { PostgresEventStore } from './postgres-event-store';

/** Publishes a batch of events in order and resolves once the broker has acknowledged all of them. */
export type RelayPublisher = (events: EventEnvelope[]) => Promise<void>;

export interface OutboxRelayOptions {
  store: PostgresEventStore;
  dataSource: DataSource;
  publish: RelayPublisher;
  /** The checkpoint's name; one relay per service log. */
  name?: string;
  batchSize?: number;
  /** How long to wait when the log has nothing new (the first wait; it doubles up to maxIdleMs). */
  idleMs?: number;
  maxIdleMs?: number;
  logger?: Pick<Logger, 'log' | 'warn' | 'error'>;
}

export interface RelayStats {
  published: number;
  batches: number;
}

/**
 * The transactional outbox relay: follows the service's event log gap-safely and publishes it, in
 * order, recording its position only after the broker acknowledged. After a crash it resumes from
 * the recorded position: it may publish an event again, it never skips one. Among replicas, one
 * holds the relay's advisory lock and publishes; the others wait for it.
 */
export class OutboxRelay {
  private readonly checkpoints: CheckpointStore;
  /** The checkpoint this relay records its position in. */
  readonly checkpointName: string;
  private readonly logger: Pick<Logger, 'log' | 'warn' | 'error'>;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  readonly stats: RelayStats = { published: 0, batches: 0 };

  constructor(private readonly options: OutboxRelayOptions) {
    this.checkpoints = new CheckpointStore(options.dataSource, options.store.tables.schema);
    this.checkpointName = options.name ?? `relay:${options.store.tables.eventsTable}`;
    this.logger = options.logger ?? new Logger(`OutboxRelay:${options.store.tables.schema}`);
  }

  /**
   * Publishes everything up to the end of the log visible now and returns how many events it sent.
   * For tools and tests, when the relay loop is not running.
   */
  async drain(): Promise<number> {
    if (this.running)
      throw new Error('drain() is for a stopped relay; the running loop publishes already');
    let total = 0;
    let position = await this.checkpoints.load(this.checkpointName);
    for (;;) {
      const next = await this.publishBatch(position);
      if (!next) return total;
      total += next.count;
      position = next.position;
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((error: unknown) => {
      this.logger.error(`relay stopped on an error: ${String(error)}`);
      this.running = false;
    });
  }

  /** Lets the loop finish its current batch (published and recorded), then stops it. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const lock = await this.acquireLeadership();
    if (!lock) return;
    try {
      let position = await this.checkpoints.load(this.checkpointName);
      let idle = this.options.idleMs ?? 20;
      let failures = 0;
      while (this.running) {
        let next: { position: LogPosition; count: number } | null;
        try {
          next = await this.publishBatch(position);
          failures = 0;
        } catch (error) {
          // The broker or the database is away: nothing was recorded, so retry the same batch.
          failures += 1;
          const delay = Math.min(100 * 2 ** failures, 5000);
          this.logger.warn(
            `publishing failed (${failures} in a row), retrying in ${delay} ms: ${String(error)}`,
          );
          if (error instanceof CheckpointConflictError)
            position = await this.checkpoints.load(this.checkpointName);
          await this.sleep(delay);
          continue;
        }
        if (next) {
          position = next.position;
          idle = this.options.idleMs ?? 20;
          continue;
        }
        await this.sleep(idle);
        idle = Math.min(idle * 2, this.options.maxIdleMs ?? 200);
      }
    } finally {
      await this.releaseLeadership(lock);
    }
  }

  private async publishBatch(
    position: LogPosition,
  ): Promise<{ position: LogPosition; count: number } | null> {
    const { events, position: next } = await this.options.store.readAll(
      position,
      this.options.batchSize ?? 500,
    );
    if (events.length === 0) return null;
    await this.options.publish(events);
    await this.checkpoints.store(this.checkpointName, position, next);
    this.stats.published += events.length;
    this.stats.batches += 1;
    return { position: next, count: events.length };
  }

  private async acquireLeadership(): Promise<QueryRunner | null> {
    const runner = this.options.dataSource.createQueryRunner();
    await runner.connect();
    const key = `studypath.${this.options.store.tables.schema}.${this.checkpointName}`;
    let reported = false;
    while (this.running) {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        key,
      ])) as {
        locked: boolean;
      }[];
      if (row?.locked) return runner;
      if (!reported) {
        this.logger.log(`another replica is relaying ${this.checkpointName}; standing by`);
        reported = true;
      }
      await this.sleep(1000);
    }
    await runner.release();
    return null;
  }

  private async releaseLeadership(runner: QueryRunner): Promise<void> {
    const key = `studypath.${this.options.store.tables.schema}.${this.checkpointName}`;
    try {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    } finally {
      await runner.release();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
