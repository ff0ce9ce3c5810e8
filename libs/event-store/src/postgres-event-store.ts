import { randomUUID } from 'node:crypto';
import {
  eventCatalog,
  type EventCatalog,
  type EventEnvelope,
  type NewEvent,
} from '@studypath/contracts';
import { currentTraceparent } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { Decider } from './decider';
import type { EventStoreTables } from './event-store.migration';
import { ConcurrencyError } from './errors';
import { LOG_START, type LogPosition } from './log-position';

/** `no_stream`: the stream must not exist; `any`: no check; a number: the stream's current position (0 = absent). */
export type ExpectedVersion = 'no_stream' | 'any' | number;

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  /** The kind of aggregate, e.g. `task`; recorded with the stream. */
  streamType: string;
  /** The owner of the stream: the Kafka key of its events. */
  userId: string;
  correlationId?: string;
  causationId?: string | null;
  /** Defaults to the active trace context (or a new trace). */
  traceparent?: string;
  /** Append inside the caller's transaction (e.g. with an inline projection update). */
  manager?: EntityManager;
}

export interface AppendResult {
  /** The stream's position after the append. */
  nextExpectedVersion: number;
  events: EventEnvelope[];
}

export interface ReadAllResult {
  events: EventEnvelope[];
  /** Where the next read continues; unchanged when nothing was read. */
  position: LogPosition;
}

interface EventRow {
  global_position: string;
  stream_id: string;
  stream_position: string;
  transaction_id: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  user_id: string;
  data: unknown;
  metadata: { correlation_id?: string; causation_id?: string | null; traceparent?: string | null };
  occurred_at: Date;
}

const UNIQUE_VIOLATION = '23505';

/**
 * A service's event store in PostgreSQL: append with optimistic concurrency, read a stream, fold it
 * with a decider, and read the whole log gap-safely. Data is validated against the event catalog
 * when appended and upcast to the current schema version when read.
 */
export class PostgresEventStore {
  private readonly events: string;
  private readonly streams: string;

  constructor(
    private readonly dataSource: DataSource,
    readonly tables: EventStoreTables,
    private readonly catalog: EventCatalog = eventCatalog,
  ) {
    this.events = `"${tables.schema}"."${tables.eventsTable}"`;
    this.streams = `"${tables.schema}".streams`;
  }

  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    if (!options.userId || options.userId.length > 255) {
      throw new Error('append needs a user id of 1 to 255 characters');
    }
    for (const event of events) this.catalog.validate(event.event_type, event.data);
    if (options.manager) return this.appendWith(options.manager, streamId, events, options);
    return this.dataSource.transaction((manager) =>
      this.appendWith(manager, streamId, events, options),
    );
  }

  private async appendWith(
    manager: EntityManager,
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const next = await this.advanceStream(manager, streamId, events.length, options);
    const first = next - events.length + 1;
    const correlationId = options.correlationId ?? randomUUID();
    const metadata = JSON.stringify({
      correlation_id: correlationId,
      causation_id: options.causationId ?? null,
      traceparent: options.traceparent ?? currentTraceparent(),
    });
    const now = new Date().toISOString();
    let rows: EventRow[];
    try {
      rows = (await manager.query(
        `INSERT INTO ${this.events}
           (stream_id, stream_position, event_id, event_type, schema_version, user_id, data, metadata, occurred_at)
         SELECT $1, $2 + e.ord - 1, e.event_id, e.event_type, e.schema_version, $3, e.data, $4::jsonb, e.occurred_at
           FROM unnest($5::uuid[], $6::text[], $7::int[], $8::jsonb[], $9::timestamptz[])
                WITH ORDINALITY AS e(event_id, event_type, schema_version, data, occurred_at, ord)
         RETURNING global_position, stream_id, stream_position, transaction_id::text AS transaction_id,
                   event_id, event_type, schema_version, user_id, data, metadata, occurred_at`,
        [
          streamId,
          first,
          options.userId,
          metadata,
          events.map((e) => e.event_id ?? randomUUID()),
          events.map((e) => e.event_type),
          events.map((e) => this.catalog.get(e.event_type).version),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => e.occurred_at ?? now),
        ],
      )) as EventRow[];
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConcurrencyError(streamId, describeExpected(options.expectedVersion), null);
      }
      throw error;
    }
    const envelopes = rows.map(toEnvelope).sort((a, b) => a.stream_position - b.stream_position);
    return { nextExpectedVersion: next, events: envelopes };
  }

  /** Moves the stream's position by `count` under the expected version; returns the new position. */
  private async advanceStream(
    manager: EntityManager,
    streamId: string,
    count: number,
    options: AppendOptions,
  ): Promise<number> {
    const expected = options.expectedVersion;
    let rows: { stream_position: string }[];
    if (expected === 'any') {
      rows = (await manager.query(
        `INSERT INTO ${this.streams} AS s (stream_id, stream_type, stream_position) VALUES ($1, $2, $3)
         ON CONFLICT (stream_id) DO UPDATE
           SET stream_position = s.stream_position + EXCLUDED.stream_position, updated_at = now()
         RETURNING stream_position`,
        [streamId, options.streamType, count],
      )) as { stream_position: string }[];
    } else if (expected === 'no_stream' || expected === 0) {
      rows = (await manager.query(
        `INSERT INTO ${this.streams} (stream_id, stream_type, stream_position) VALUES ($1, $2, $3)
         ON CONFLICT (stream_id) DO NOTHING RETURNING stream_position`,
        [streamId, options.streamType, count],
      )) as { stream_position: string }[];
    } else {
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new Error(`invalid expected version ${String(expected)}`);
      }
      const result = (await manager.query(
        `UPDATE ${this.streams} SET stream_position = stream_position + $3, updated_at = now()
         WHERE stream_id = $1 AND stream_position = $2 RETURNING stream_position`,
        [streamId, expected, count],
      )) as [{ stream_position: string }[], number];
      rows = result[0];
    }
    const row = rows[0];
    if (!row) {
      throw new ConcurrencyError(
        streamId,
        describeExpected(expected),
        await this.streamVersion(streamId, manager),
      );
    }
    return Number(row.stream_position);
  }

  /** The stream's current position, or null when it does not exist. */
  async streamVersion(
    streamId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number | null> {
    const rows = (await manager.query(
      `SELECT stream_position FROM ${this.streams} WHERE stream_id = $1`,
      [streamId],
    )) as { stream_position: string }[];
    return rows[0] ? Number(rows[0].stream_position) : null;
  }

  /** The stream's events in order, upcast to their current schema versions. */
  async readStream(
    streamId: string,
    options: { fromPosition?: number; manager?: EntityManager } = {},
  ): Promise<EventEnvelope[]> {
    const manager = options.manager ?? this.dataSource.manager;
    const rows = (await manager.query(
      `SELECT global_position, stream_id, stream_position, transaction_id::text AS transaction_id, event_id,
              event_type, schema_version, user_id, data, metadata, occurred_at
         FROM ${this.events} WHERE stream_id = $1 AND stream_position >= $2 ORDER BY stream_position`,
      [streamId, options.fromPosition ?? 1],
    )) as EventRow[];
    return rows.map((row) => this.catalog.decode(toEnvelope(row)));
  }

  /** Folds a stream with a decider's `evolve`: the aggregate's state and the version to expect. */
  async aggregateStream<State, Event extends EventEnvelope>(
    streamId: string,
    decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
    options: { manager?: EntityManager } = {},
  ): Promise<{ state: State; version: number }> {
    const events = await this.readStream(streamId, options);
    const state = events.reduce((s, e) => decider.evolve(s, e as Event), decider.initialState());
    return { state, version: events.at(-1)?.stream_position ?? 0 };
  }

  /**
   * Up to `batchSize` events after `after`, in commit-safe log order: only events of transactions
   * older than every transaction still running are returned, so a transaction that commits late can
   * never be passed by a reader (its events show up later, after `after`).
   */
  async readAll(after: LogPosition = LOG_START, batchSize = 500): Promise<ReadAllResult> {
    const rows = (await this.dataSource.query(
      `SELECT global_position, stream_id, stream_position, transaction_id::text AS transaction_id, event_id,
              event_type, schema_version, user_id, data, metadata, occurred_at
         FROM ${this.events}
        WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, global_position
        LIMIT $3`,
      [after.transactionId, after.globalPosition, batchSize],
    )) as EventRow[];
    const last = rows.at(-1);
    return {
      events: rows.map((row) => this.catalog.decode(toEnvelope(row))),
      position: last
        ? { transactionId: last.transaction_id, globalPosition: Number(last.global_position) }
        : after,
    };
  }
}

function describeExpected(expected: ExpectedVersion): string {
  return typeof expected === 'number' ? `version ${expected}` : expected;
}

function toEnvelope(row: EventRow): EventEnvelope {
  return {
    event_id: row.event_id,
    event_type: row.event_type,
    schema_version: row.schema_version,
    stream_id: row.stream_id,
    stream_position: Number(row.stream_position),
    global_position: Number(row.global_position),
    user_id: row.user_id,
    occurred_at: new Date(row.occurred_at).toISOString(),
    correlation_id: row.metadata.correlation_id ?? row.event_id,
    causation_id: row.metadata.causation_id ?? null,
    traceparent: row.metadata.traceparent ?? null,
    data: row.data,
  };
}
