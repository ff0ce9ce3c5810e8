import { randomUUID } from 'node:crypto';
import {
  eventCatalog,
  type EventCatalog,
  type Enveloped,
  type EventEnvelope,
  type NewEvent,
} from '@studypath/contracts';
import { traceparentFor } from '@studypath/platform';
import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { Decider } from '@studypath/decider';
import type { EventStoreTables } from './event-store.migration';
import { eventsAppended, onEventsCommitted } from './append-signal';
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
  /**
   * The trace of what the events react to (the event being handled); the active span is
   * recorded instead when it is part of that trace (traceparentFor). Defaults to the active trace
   * context (or a new trace).
   */
  traceparent?: string;
  /** Append inside the caller's transaction (e.g. with an inline projection update). */
  manager?: EntityManager;
}

export interface AppendResult<TEnvelope extends EventEnvelope = EventEnvelope> {
  /** The stream's position after the append. */
  nextExpectedVersion: number;
  events: TEnvelope[];
}

export interface ReadAllResult {
  events: EventEnvelope[];
  /** Each event's own place in the log: a reader that takes only part of a batch resumes there. */
  positions: LogPosition[];
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

  /**
   * Calls `listener` whenever this process has committed events to the log (after the commit of
   * the transaction they were appended in): the relay's wake-up. Returns the undo.
   */
  onCommitted(listener: () => void): () => void {
    return onEventsCommitted(this.dataSource, this.events, listener);
  }

  /**
   * Appends events to a stream under an expected version, in one SQL statement: the stream's
   * position moves and the events are inserted atomically, in one round trip (inside the caller's
   * transaction when `manager` is given). Throws ConcurrencyError when the stream is not where the
   * caller expected it.
   */
  async append<E extends NewEvent>(
    streamId: string,
    events: E[],
    options: AppendOptions,
  ): Promise<AppendResult<Enveloped<E>>> {
    if (events.length === 0) throw new Error('append needs at least one event');
    if (!options.userId || options.userId.length > 255) {
      throw new Error('append needs a user id of 1 to 255 characters');
    }
    const expected = options.expectedVersion;
    if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < 0)) {
      throw new Error(`invalid expected version ${String(expected)}`);
    }
    for (const event of events) this.catalog.validate(event.event_type, event.data);

    const now = new Date().toISOString();
    const params: unknown[] = [
      streamId,
      options.streamType,
      events.length,
      options.userId,
      JSON.stringify({
        correlation_id: options.correlationId ?? randomUUID(),
        causation_id: options.causationId ?? null,
        traceparent: traceparentFor(options.traceparent),
      }),
      events.map((e) => e.event_id ?? randomUUID()),
      events.map((e) => e.event_type),
      events.map((e) => this.catalog.get(e.event_type).version),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => e.occurred_at ?? now),
    ];
    let advance: string;
    if (expected === 'any') {
      advance = `INSERT INTO ${this.streams} AS s (stream_id, stream_type, stream_position) VALUES ($1, $2, $3)
        ON CONFLICT (stream_id) DO UPDATE
          SET stream_position = s.stream_position + EXCLUDED.stream_position, updated_at = now()
        RETURNING stream_position`;
    } else if (expected === 'no_stream' || expected === 0) {
      advance = `INSERT INTO ${this.streams} (stream_id, stream_type, stream_position) VALUES ($1, $2, $3)
        ON CONFLICT (stream_id) DO NOTHING RETURNING stream_position`;
    } else {
      params.push(expected);
      advance = `UPDATE ${this.streams} SET stream_position = stream_position + $3, updated_at = now()
        WHERE stream_id = $1 AND stream_position = $11 AND $2::text IS NOT NULL RETURNING stream_position`;
    }
    const sql = `WITH stream AS (${advance})
      INSERT INTO ${this.events}
        (stream_id, stream_position, event_id, event_type, schema_version, user_id, data, metadata, occurred_at)
      SELECT $1, stream.stream_position - $3 + e.ord, e.event_id, e.event_type, e.schema_version, $4, e.data,
             $5::jsonb, e.occurred_at
        FROM stream,
             unnest($6::uuid[], $7::text[], $8::int[], $9::jsonb[], $10::timestamptz[])
               WITH ORDINALITY AS e(event_id, event_type, schema_version, data, occurred_at, ord)
      RETURNING global_position, stream_id, stream_position, transaction_id::text AS transaction_id,
                event_id, event_type, schema_version, user_id, data, metadata, occurred_at`;

    let rows: EventRow[];
    try {
      rows = options.manager
        ? ((await options.manager.query(sql, params)) as EventRow[])
        : (await this.pool().query<EventRow>(sql, params)).rows;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      rows = [];
    }
    if (rows.length === 0) {
      throw new ConcurrencyError(
        streamId,
        typeof expected === 'number' ? `version ${expected}` : expected,
        await this.streamVersion(streamId, options.manager),
      );
    }
    eventsAppended(this.dataSource, this.events, options.manager);
    // The rows are the events given, validated against the catalog: typed as they were given.
    const envelopes = rows
      .map(toEnvelope)
      .sort((a, b) => a.stream_position - b.stream_position) as Enveloped<E>[];
    return { nextExpectedVersion: envelopes.at(-1)?.stream_position ?? 0, events: envelopes };
  }

  /** node-postgres's pool under the DataSource: one statement needs no TypeORM transaction. */
  private pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
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

  /**
   * Committed events whose `data` has `field` = `value`, by global position, after `after`: an
   * audit trail across streams (e.g. every event of one study path). Give the field an expression
   * index on ((data ->> field), global_position) in the service's migrations.
   */
  async readByDataField(
    field: string,
    value: string,
    options: { after?: number; limit?: number } = {},
  ): Promise<EventEnvelope[]> {
    if (!/^[a-z_][a-z0-9_]*$/.test(field)) throw new Error(`invalid data field ${field}`);
    const rows = (await this.dataSource.query(
      `SELECT global_position, stream_id, stream_position, transaction_id::text AS transaction_id, event_id,
              event_type, schema_version, user_id, data, metadata, occurred_at
         FROM ${this.events} WHERE (data ->> '${field}') = $1 AND global_position > $2
        ORDER BY global_position LIMIT $3`,
      [value, options.after ?? 0, options.limit ?? 100],
    )) as EventRow[];
    return rows.map((row) => this.catalog.decode(toEnvelope(row)));
  }

  /** Folds a stream with a decider's `evolve`: the aggregate's state and the version to expect. */
  async aggregateStream<State, Event>(
    streamId: string,
    decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
    options: { manager?: EntityManager } = {},
  ): Promise<{ state: State; version: number }> {
    const events = await this.readStream(streamId, options);
    // Envelopes carry event_type and data, which is all a decider's events are.
    const state = events.reduce(
      (s, e) => decider.evolve(s, e as unknown as Event),
      decider.initialState(),
    );
    return { state, version: events.at(-1)?.stream_position ?? 0 };
  }

  /** How many events `readAll` would give after `after` now (for a replay's progress and ETA). */
  async countAll(after: LogPosition = LOG_START): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::bigint AS n FROM ${this.events} e
        WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
          AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`,
      [after.transactionId, after.globalPosition],
    )) as { n: string }[];
    return Number(row?.n ?? 0);
  }

  /**
   * Up to `batchSize` events after `after`, in commit-safe log order: only events of transactions
   * older than every transaction still running are returned, so a transaction that commits late can
   * never be passed by a reader (its events show up later, after `after`).
   *
   * The ORDER BY names the table's xid8 column (`e.transaction_id`): a bare `transaction_id` would
   * mean the text alias of the select list, and text order ('100000' < '99999') sends the position
   * backwards (duplicates) or past unread events (loss) whenever a batch spans xids of different
   * digit counts.
   */
  async readAll(after: LogPosition = LOG_START, batchSize = 500): Promise<ReadAllResult> {
    const rows = (await this.dataSource.query(
      `SELECT e.global_position, e.stream_id, e.stream_position, e.transaction_id::text AS transaction_id,
              e.event_id, e.event_type, e.schema_version, e.user_id, e.data, e.metadata, e.occurred_at
         FROM ${this.events} e
        WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
          AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.transaction_id, e.global_position
        LIMIT $3`,
      [after.transactionId, after.globalPosition, batchSize],
    )) as EventRow[];
    const positions = rows.map((row): LogPosition => ({
      transactionId: row.transaction_id,
      globalPosition: Number(row.global_position),
    }));
    return {
      events: rows.map((row) => this.catalog.decode(toEnvelope(row))),
      positions,
      position: positions.at(-1) ?? after,
    };
  }
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
