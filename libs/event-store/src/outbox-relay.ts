import { Logger } from '@nestjs/common';
import type { EventEnvelope } from '@studypath/contracts';
import { MessageTooLargeError } from '@studypath/messaging';
import { Client, type ClientConfig, type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { CheckpointStore } from './checkpoint.store';
import { LOG_START, type LogPosition } from './log-position';
import type { PostgresEventStore } from './postgres-event-store';

/** Publishes a batch of events in order and resolves once the broker has acknowledged all of them. */
export type RelayPublisher = (events: EventEnvelope[]) => Promise<void>;

type RelayLogger = Pick<Logger, 'log' | 'warn' | 'error'>;

/** Half of Kafka's default `message.max.bytes` (1 MB): room for the record framing of a batch. */
export const DEFAULT_RELAY_BATCH_BYTES = 512 * 1024;

export interface OutboxRelayOptions {
  store: PostgresEventStore;
  dataSource: DataSource;
  publish: RelayPublisher;
  /** The checkpoint's name; one relay per service log. */
  name?: string;
  /** The most events read from the log at once. */
  batchSize?: number;
  /**
   * The most bytes of encoded events in one publish (see `encodedEventBytes`), below the broker's
   * `message.max.bytes`; a single larger event goes alone. Default DEFAULT_RELAY_BATCH_BYTES.
   */
  maxBatchBytes?: number;
  /** How long to wait when the log has nothing new (the first wait; it doubles up to maxIdleMs). */
  idleMs?: number;
  maxIdleMs?: number;
  /** The wait after a failure (the first; it doubles, with jitter, up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often a standby replica tries to take over. */
  standbyMs?: number;
  logger?: RelayLogger;
}

export interface RelayStats {
  published: number;
  batches: number;
  /** Batches the broker refused as too large, split and sent again. */
  splits: number;
  /** Events the broker refuses even alone: skipped and recorded (see `tooLargeMarkerPrefix`). */
  tooLarge: number;
  /** Iterations that failed and were retried. */
  failures: number;
}

/** What the relay is doing, for /health. Times are milliseconds since the epoch. */
export interface RelayStatus {
  /** Between start() and stop(): the supervised loop is running. */
  running: boolean;
  /** `leader`: holds the lock and publishes; `standby`: another replica does; `none`: not known yet. */
  role: 'leader' | 'standby' | 'none';
  /** The PostgreSQL backend holding the relay's lock for this replica, while it leads. */
  lockPid: number | null;
  /** Failed iterations in a row (0 after a success), since when, and the last error. */
  failures: number;
  failingSince: number | null;
  lastError: string | null;
  /** When the leader last recorded a batch or found nothing new to publish. */
  lastProgressAt: number | null;
  /** Set when the loop itself broke (a bug in the relay): it is not running any more. */
  crashed: string | null;
}

interface Pending {
  event: EventEnvelope;
  position: LogPosition;
  bytes: number;
}

/** A record's key and headers (event id, type, version, correlation id, traceparent) and framing. */
const RECORD_OVERHEAD_BYTES = 320;
/** A failure is logged when it starts, then at most once per this interval while it lasts. */
const FAILURE_LOG_INTERVAL_MS = 30_000;

/** The size an event takes in a publish: its JSON envelope, its key and its record's overhead. */
export function encodedEventBytes(event: EventEnvelope): number {
  return (
    Buffer.byteLength(JSON.stringify(event)) +
    Buffer.byteLength(event.user_id) +
    RECORD_OVERHEAD_BYTES
  );
}

/**
 * Leadership among a relay's replicas: a session advisory lock, on a connection of its own (not
 * one of the pool's), so the lock lives exactly as long as that session. `hold()` verifies the lock
 * on its own connection (pg_locks for our backend): a lock connection that died, or a lock that
 * went away, means no longer leader.
 */
export class RelayLeadership {
  private session: { client: Client; broken: Error | null; pid: number } | undefined;
  private leading = false;

  constructor(
    private readonly connect: () => Client,
    readonly key: string,
  ) {}

  /** The backend holding the lock for us, while we do. */
  get pid(): number | null {
    return this.leading && this.session ? this.session.pid : null;
  }

  /** Whether this replica leads now: verifies a held lock, or tries to take a free one. */
  async hold(): Promise<boolean> {
    const session = this.session ?? (await this.open());
    try {
      if (session.broken) throw session.broken;
      if (this.leading) {
        const { rows } = await session.client.query<{ held: boolean }>(
          `SELECT EXISTS (
             SELECT 1 FROM pg_locks
              WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
                AND ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint) AS held`,
          [this.key],
        );
        if (rows[0]?.held) return true;
        this.leading = false;
      }
      const { rows } = await session.client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [this.key],
      );
      this.leading = rows[0]?.locked === true;
      return this.leading;
    } catch (error) {
      await this.resign();
      throw error;
    }
  }

  /** Gives the lock up by ending its session. */
  async resign(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.leading = false;
    await session?.client.end().catch(() => undefined);
  }

  private async open(): Promise<NonNullable<RelayLeadership['session']>> {
    const client = this.connect();
    const session = { client, broken: null as Error | null, pid: 0 };
    // Without a listener, a terminated session's 'error' event would crash the process.
    client.on('error', (error) => {
      session.broken = error;
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      session.pid = rows[0]?.pid ?? 0;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.session = session;
    return session;
  }
}

/** A lock connection with the settings of the DataSource's pool, named for pg_stat_activity. */
function lockConnection(dataSource: DataSource): () => Client {
  return () => {
    const pool = (dataSource.driver as unknown as { master?: Pool & { options: ClientConfig } })
      .master;
    if (!pool) throw new Error('the DataSource is not initialised');
    const { options } = pool;
    return new Client({
      ...options,
      application_name: `${options.application_name ?? 'studypath'}:relay-lock`.slice(0, 63),
      keepAlive: true,
      // A lock check that hangs (a half-open connection) fails instead, and the session is rebuilt.
      query_timeout: 10_000,
    });
  };
}

/**
 * The transactional outbox relay: follows the service's event log gap-safely and publishes it, in
 * order, recording its position only after the broker acknowledged. After a crash it resumes from
 * the recorded position: it may publish an event again, it never skips one (except an event the
 * broker refuses even alone, which is recorded and logged as an ERROR). Among replicas, one holds
 * the relay's advisory lock and publishes; the others stand by.
 *
 * Everything it does (leadership, loading the checkpoint, reading, publishing, recording) runs in
 * one supervised loop: an error anywhere is logged as a WARN and retried with backoff, starting
 * again from the recorded checkpoint; the loop ends only with stop().
 */
export class OutboxRelay {
  private readonly checkpoints: CheckpointStore;
  /** The checkpoint this relay records its position in. */
  readonly checkpointName: string;
  /** Checkpoint rows named `<prefix><event_id>` mark events skipped as too large, at their position. */
  readonly tooLargeMarkerPrefix: string;
  private readonly leadership: RelayLeadership;
  private readonly logger: RelayLogger;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Events were committed since the current read began: read again before sleeping. */
  private notified = false;
  /** Ends the current sleep when it is a wait for new events (not an error's backoff). */
  private notifiable: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private role: RelayStatus['role'] = 'none';
  /** Where the recorded checkpoint is; undefined: load it before going on. */
  private position: LogPosition | undefined;
  /** Events read and not yet published, in log order, right after `position`. */
  private pending: Pending[] = [];
  private byteBudget: number;
  private step = 'starting';
  private failure: { count: number; since: number; last: string; loggedAt: number } | null = null;
  private lastProgressAt: number | null = null;
  private crashed: string | null = null;
  private readonly reportedTooLarge = new Set<string>();
  readonly stats: RelayStats = { published: 0, batches: 0, splits: 0, tooLarge: 0, failures: 0 };

  constructor(private readonly options: OutboxRelayOptions) {
    this.checkpoints = new CheckpointStore(options.dataSource, options.store.tables.schema);
    this.checkpointName = options.name ?? `relay:${options.store.tables.eventsTable}`;
    this.tooLargeMarkerPrefix = `${this.checkpointName}:too-large:`;
    this.logger = options.logger ?? new Logger(`OutboxRelay:${options.store.tables.schema}`);
    this.byteBudget = options.maxBatchBytes ?? DEFAULT_RELAY_BATCH_BYTES;
    this.leadership = new RelayLeadership(
      lockConnection(options.dataSource),
      `studypath.${options.store.tables.schema}.${this.checkpointName}`,
    );
  }

  status(): RelayStatus {
    return {
      running: this.running,
      role: this.role,
      lockPid: this.leadership.pid,
      failures: this.failure?.count ?? 0,
      failingSince: this.failure?.since ?? null,
      lastError: this.failure?.last ?? null,
      lastProgressAt: this.lastProgressAt,
      crashed: this.crashed,
    };
  }

  /**
   * Publishes everything up to the end of the log visible now and returns how many events it moved
   * past (published, or skipped as too large). For tools and tests, when the relay loop is not
   * running; it takes no lock.
   */
  async drain(): Promise<number> {
    if (this.running)
      throw new Error('drain() is for a stopped relay; the running loop publishes already');
    this.forgetPosition();
    let total = 0;
    for (;;) {
      const moved = await this.publishNext();
      if (moved === 0) return total;
      total += moved;
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.crashed = null;
    this.unsubscribe = this.options.store.onCommitted(() => this.notify());
    this.loop = this.supervise().catch((error: unknown) => {
      // supervise() handles every error of the work itself: this is a bug in the relay.
      this.crashed = describe(error);
      this.running = false;
      this.logger.error(`relay ${this.checkpointName} stopped on an error: ${this.crashed}`);
    });
  }

  /** Lets the loop finish its current batch (published and recorded), then stops it. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.wake?.();
    await this.loop;
  }

  /**
   * New events were committed (the store's signal in this process): publish them now rather than
   * at the next poll. A standby only checks the lock again; polling stays the fallback for the
   * events other replicas commit.
   */
  notify(): void {
    this.notified = true;
    this.notifiable?.();
  }

  private async supervise(): Promise<void> {
    const idleMs = this.options.idleMs ?? 20;
    let idle = idleMs;
    try {
      while (this.running) {
        let wait: number;
        let idleWait = false;
        try {
          this.notified = false;
          const outcome = await this.iterate();
          this.recovered();
          if (outcome === 'published') {
            idle = idleMs;
            continue;
          }
          if (outcome === 'standby') {
            wait = this.options.standbyMs ?? 1000;
          } else if (this.notified) {
            // Committed while this read ran: it may not have seen them.
            idle = idleMs;
            continue;
          } else {
            wait = idle;
            idleWait = true;
            idle = Math.min(idle * 2, this.options.maxIdleMs ?? 200);
          }
        } catch (error) {
          wait = this.failed(error);
        }
        await this.sleep(wait, idleWait);
      }
    } finally {
      await this.leadership.resign();
      this.role = 'none';
      this.forgetPosition();
    }
  }

  private async iterate(): Promise<'published' | 'idle' | 'standby'> {
    this.step = 'checking leadership';
    let leader: boolean;
    try {
      leader = await this.leadership.hold();
    } catch (error) {
      if (this.role === 'leader') {
        this.logger.warn(
          `relay ${this.checkpointName}: the lock's connection failed, no longer leader: ${describe(error)}`,
        );
      }
      this.role = 'none';
      this.forgetPosition();
      throw error;
    }
    if (!leader) {
      if (this.role === 'leader') {
        this.logger.warn(`relay ${this.checkpointName}: lost the lock, standing by`);
      } else if (this.role === 'none') {
        this.logger.log(`another replica is relaying ${this.checkpointName}; standing by`);
      }
      this.role = 'standby';
      this.forgetPosition();
      return 'standby';
    }
    if (this.role !== 'leader') {
      this.logger.log(
        `relaying ${this.checkpointName} (lock held by backend ${this.leadership.pid ?? '?'})`,
      );
      this.role = 'leader';
      this.forgetPosition();
    }
    const moved = await this.publishNext();
    if (moved > 0) return 'published';
    this.lastProgressAt = Date.now();
    return 'idle';
  }

  /**
   * Publishes the next batch (at most `byteBudget` bytes) after the recorded checkpoint and records
   * it. Returns how many events it moved past; 0 when the log has nothing new.
   */
  private async publishNext(): Promise<number> {
    if (!this.position) {
      this.step = 'loading the checkpoint';
      this.position = await this.checkpoints.load(this.checkpointName);
      this.pending = [];
    }
    if (this.pending.length === 0) {
      this.step = 'reading the log';
      const read = await this.options.store.readAll(this.position, this.options.batchSize ?? 500);
      this.pending = read.events.map((event, i) => ({
        event,
        position: read.positions[i] as LogPosition,
        bytes: encodedEventBytes(event),
      }));
      if (this.pending.length === 0) return 0;
    }

    this.step = 'publishing';
    let count = this.fitting();
    for (;;) {
      const batch = this.pending.slice(0, count);
      try {
        await this.options.publish(batch.map((p) => p.event));
        break;
      } catch (error) {
        if (!(error instanceof MessageTooLargeError)) throw error;
        const first = batch[0] as Pending;
        if (count === 1) return this.skipTooLarge(first, error);
        // Split: the broker's limit is below what we sent, so plan every batch under it from now on.
        const bytes = sumBytes(batch);
        this.byteBudget = Math.min(
          this.byteBudget,
          Math.floor(bytes / 2),
          error.limitBytes ?? Number.MAX_SAFE_INTEGER,
        );
        count = Math.max(1, Math.min(Math.ceil(count / 2), this.fitting()));
        this.stats.splits += 1;
        this.logger.warn(
          `relay ${this.checkpointName}: the broker refused ${batch.length} events (${bytes} bytes): ` +
            `sending ${count} at a time, at most ${this.byteBudget} bytes per batch from now on`,
        );
      }
    }
    const last = (this.pending[count - 1] as Pending).position;
    this.step = 'recording the checkpoint';
    await this.checkpoints.store(this.checkpointName, this.position, last);
    this.advance(count, last);
    this.stats.published += count;
    this.stats.batches += 1;
    return count;
  }

  /**
   * An event the broker refuses on its own can never be published; waiting for it would stop the
   * whole log. It is skipped, loudly: an ERROR once, and a checkpoint row at its position named
   * `<tooLargeMarkerPrefix><event_id>`, written in the transaction that moves the relay past it.
   */
  private async skipTooLarge(item: Pending, error: MessageTooLargeError): Promise<number> {
    const { event } = item;
    const marker = `${this.tooLargeMarkerPrefix}${event.event_id}`;
    if (!this.reportedTooLarge.has(event.event_id)) {
      this.reportedTooLarge.add(event.event_id);
      this.logger.error(
        `relay ${this.checkpointName}: event ${event.event_id} (${event.event_type}, stream ` +
          `${event.stream_id} at ${event.stream_position}, global position ${event.global_position}) ` +
          `is ${item.bytes} bytes and the broker refuses it on its own (${error.message}): it cannot ` +
          `be published; skipping it, recorded as checkpoint "${marker}"`,
      );
    }
    this.step = 'recording a skipped event';
    const expected = this.position as LogPosition;
    await this.options.dataSource.transaction(async (manager) => {
      const recorded = await this.checkpoints.load(marker, manager);
      if (recorded.transactionId === LOG_START.transactionId && recorded.globalPosition === 0) {
        await this.checkpoints.store(marker, LOG_START, item.position, manager);
      }
      await this.checkpoints.store(this.checkpointName, expected, item.position, manager);
    });
    this.advance(1, item.position);
    this.stats.tooLarge += 1;
    return 1;
  }

  /** How many pending events fit the byte budget (at least one). */
  private fitting(): number {
    let bytes = 0;
    let count = 0;
    for (const item of this.pending) {
      bytes += item.bytes;
      if (count > 0 && bytes > this.byteBudget) break;
      count += 1;
    }
    return count;
  }

  private advance(count: number, position: LogPosition): void {
    this.position = position;
    this.pending = this.pending.slice(count);
    this.lastProgressAt = Date.now();
  }

  /** Start again from the recorded checkpoint: after an error, or a change of leadership. */
  private forgetPosition(): void {
    this.position = undefined;
    this.pending = [];
  }

  /** Records a failed iteration, logs it (without flooding) and returns how long to back off. */
  private failed(error: unknown): number {
    this.forgetPosition();
    this.stats.failures += 1;
    const now = Date.now();
    const message = `${this.step} failed: ${describe(error)}`;
    const failure = (this.failure ??= { count: 0, since: now, last: message, loggedAt: 0 });
    failure.count += 1;
    failure.last = message;
    const base = Math.min(
      (this.options.retryMs ?? 100) * 2 ** (failure.count - 1),
      this.options.maxRetryMs ?? 5000,
    );
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    if (failure.count === 1 || now - failure.loggedAt >= FAILURE_LOG_INTERVAL_MS) {
      this.logger.warn(
        `relay ${this.checkpointName}: ${message} (${failure.count} in a row over ` +
          `${Math.round((now - failure.since) / 1000)} s); retrying in ${delay} ms`,
      );
      failure.loggedAt = now;
    }
    return delay;
  }

  private recovered(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = null;
    this.logger.log(
      `relay ${this.checkpointName}: recovered after ${failure.count} failure(s) over ` +
        `${Math.round((Date.now() - failure.since) / 1000)} s (last: ${failure.last})`,
    );
  }

  /** Sleeps `ms`; stop() ends any sleep, notify() only a `wakeable` one (not an error's backoff). */
  private sleep(ms: number, wakeable = false): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.notifiable = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.notifiable = wakeable ? done : undefined;
    });
  }
}

function sumBytes(items: Pending[]): number {
  return items.reduce((sum, item) => sum + item.bytes, 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
