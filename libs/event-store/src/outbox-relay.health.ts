import type { HealthContributor, HealthReport } from '@studypath/platform';
import type { DataSource } from 'typeorm';
import { CheckpointStore } from './checkpoint.store';
import type { EventStoreTables } from './event-store.migration';
import type { OutboxRelay } from './outbox-relay';

export interface RelayHealthOptions {
  /**
   * Down when the relay has failed for this long without a success, or, leading, has recorded
   * nothing for this long while events wait. Default 30 s.
   */
  stallAfterMs?: number;
  /**
   * Down when the oldest unpublished event is older than this and the backlog has not shrunk over
   * the last `growingChecks` checks (a relay that publishes, but less than is written, or that
   * cannot see the events: a transaction left open holds back the gap-safe reader). Defaults 60 s, 3.
   */
  maxLagMs?: number;
  growingChecks?: number;
}

/** Events behind are counted up to this many: the check stays cheap under any backlog. */
const COUNT_CAP = 100_000;

/**
 * `/health` for a service's outbox relay (`outbox:<schema>`). Down when the relay is not running,
 * keeps failing, is stalled with events waiting, or its lag keeps growing; a standby replica
 * (another one leads) is up. Details: role, events behind (counted up to 100,000), the age of the
 * oldest unpublished event, events skipped as too large, and the last error.
 */
export class OutboxRelayHealth implements HealthContributor {
  readonly healthKey: string;
  private readonly checkpoints: CheckpointStore;
  private readonly events: string;
  private readonly checkpointsTable: string;
  private readonly backlog: number[] = [];

  constructor(
    private readonly relay: OutboxRelay,
    private readonly dataSource: DataSource,
    tables: EventStoreTables,
    private readonly options: RelayHealthOptions = {},
  ) {
    this.healthKey = `outbox:${tables.schema}`;
    this.checkpoints = new CheckpointStore(dataSource, tables.schema);
    this.events = `"${tables.schema}"."${tables.eventsTable}"`;
    this.checkpointsTable = `"${tables.schema}".checkpoints`;
  }

  async checkHealth(): Promise<HealthReport> {
    const status = this.relay.status();
    const now = Date.now();
    const stallAfterMs = this.options.stallAfterMs ?? 30_000;
    const details: Record<string, unknown> = {
      role: status.role,
      published: this.relay.stats.published,
    };
    if (status.lastError) {
      details.failures = status.failures;
      details.last_error = status.lastError;
    }
    if (!status.running) {
      this.backlog.length = 0;
      return {
        up: false,
        details: {
          ...details,
          message: status.crashed
            ? `the relay is not running: it stopped on ${status.crashed}`
            : 'the relay is not running',
        },
      };
    }
    if (status.failingSince !== null && now - status.failingSince >= stallAfterMs) {
      return {
        up: false,
        details: {
          ...details,
          message: `the relay has been failing for ${seconds(now - status.failingSince)} s: ${status.lastError}`,
        },
      };
    }
    if (status.role !== 'leader') {
      this.backlog.length = 0;
      return { up: true, details };
    }

    const lag = await this.lag();
    // Read after the checkpoint, so that it counts every batch the checkpoint includes.
    Object.assign(details, {
      published: this.relay.stats.published,
      lock_pid: status.lockPid,
      events_behind: lag.behind,
      oldest_unpublished_age_s: lag.oldestAgeMs === null ? null : seconds(lag.oldestAgeMs),
      skipped_too_large: lag.tooLarge,
    });
    const growingChecks = this.options.growingChecks ?? 3;
    this.backlog.push(lag.behind);
    if (this.backlog.length > growingChecks + 1) this.backlog.shift();

    const sinceProgress = now - (status.lastProgressAt ?? now);
    if (lag.behind > 0 && sinceProgress >= stallAfterMs) {
      return {
        up: false,
        details: {
          ...details,
          message: `stalled: ${lag.behind} event(s) wait and the relay has recorded nothing for ${seconds(sinceProgress)} s`,
        },
      };
    }
    const growing =
      this.backlog.length > growingChecks &&
      this.backlog.every((behind, i) => i === 0 || behind >= (this.backlog[i - 1] as number));
    if (
      lag.behind > 0 &&
      growing &&
      lag.oldestAgeMs !== null &&
      lag.oldestAgeMs >= (this.options.maxLagMs ?? 60_000)
    ) {
      return {
        up: false,
        details: {
          ...details,
          message:
            `falling behind: the oldest unpublished event is ${seconds(lag.oldestAgeMs)} s old and ` +
            `the backlog has not shrunk over ${growingChecks} checks (${this.backlog.join(' → ')}); ` +
            'a transaction left open anywhere on the server holds back the gap-safe reader',
        },
      };
    }
    return { up: true, details };
  }

  /** The backlog: events not yet published (up to 100,000), the oldest's age, events skipped. */
  async lag(): Promise<{ behind: number; oldestAgeMs: number | null; tooLarge: number }> {
    const position = await this.checkpoints.load(this.relay.checkpointName);
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS behind,
              (extract(epoch FROM now() - min(recorded_at)) * 1000)::float8 AS oldest_age_ms,
              (SELECT count(*)::int FROM ${this.checkpointsTable} WHERE starts_with(name, $3)) AS too_large
         FROM (SELECT e.recorded_at FROM ${this.events} e
                WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
                ORDER BY e.transaction_id, e.global_position
                LIMIT ${COUNT_CAP}) waiting`,
      [position.transactionId, position.globalPosition, this.relay.tooLargeMarkerPrefix],
    )) as { behind: number; oldest_age_ms: number | null; too_large: number }[];
    return {
      behind: row?.behind ?? 0,
      oldestAgeMs: row?.oldest_age_ms ?? null,
      tooLarge: row?.too_large ?? 0,
    };
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
