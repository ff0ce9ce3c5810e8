import { randomUUID } from 'node:crypto';
import {
  EventSchemaError,
  type EventEnvelope,
  type NewEvent,
  TaskHintRequested,
} from '@studypath/contracts';
import { createTestDatabase, until, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { CheckpointStore } from './checkpoint.store';
import type { Decider } from '@studypath/decider';
import { CheckpointConflictError, ConcurrencyError } from './errors';
import { eventStoreMigration } from './event-store.migration';
import { Inbox } from './inbox';
import { isAfter, LOG_START, type LogPosition } from './log-position';
import { OutboxRelay } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';

const tables = { schema: 'es_test', eventsTable: 'task_events' };
const database = { schema: tables.schema, migrations: [eventStoreMigration(tables)] };

function taskStarted(taskId = randomUUID()): NewEvent {
  return { event_type: 'task.started', data: { task_id: taskId, path_id: randomUUID() } };
}

const options = (expectedVersion: 'no_stream' | 'any' | number) => ({
  expectedVersion,
  streamType: 'task',
  userId: 'user-1',
});

describe('PostgresEventStore (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase([database]);
    dataSource = await db.dataSource(database);
    store = new PostgresEventStore(dataSource, tables);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('appends events with positions and metadata and reads the stream back in order', async () => {
    const stream = `task-${randomUUID()}`;
    const first = await store.append(stream, [taskStarted(), taskStarted()], {
      ...options('no_stream'),
      correlationId: 'corr-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    const second = await store.append(stream, [taskStarted()], options(2));
    const events = await store.readStream(stream);

    expect(first.nextExpectedVersion).toBe(2);
    expect(second.nextExpectedVersion).toBe(3);
    expect(events.map((e) => e.stream_position)).toEqual([1, 2, 3]);
    expect(events[0]).toMatchObject({
      event_type: 'task.started',
      schema_version: 1,
      user_id: 'user-1',
      correlation_id: 'corr-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(events[2]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(await store.streamVersion(stream)).toBe(3);
  });

  it('lets exactly one of two appends with the same expected version win', async () => {
    const stream = `task-${randomUUID()}`;
    await store.append(stream, [taskStarted()], options('no_stream'));

    const results = await Promise.allSettled([
      store.append(stream, [taskStarted()], options(1)),
      store.append(stream, [taskStarted()], options(1)),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(ConcurrencyError);
    expect((rejected[0]?.reason as ConcurrencyError).actual).toBe(2);
    expect(await store.streamVersion(stream)).toBe(2);
  });

  it('refuses no_stream on an existing stream and a stale exact version, and allows any', async () => {
    const stream = `task-${randomUUID()}`;
    const both = await Promise.allSettled([
      store.append(stream, [taskStarted()], options('no_stream')),
      store.append(stream, [taskStarted()], options('no_stream')),
    ]);
    expect(
      both.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason),
    ).toEqual([expect.any(ConcurrencyError)]);
    await expect(store.append(stream, [taskStarted()], options(5))).rejects.toThrow(
      ConcurrencyError,
    );
    const any = await store.append(stream, [taskStarted(), taskStarted()], options('any'));
    expect(any.nextExpectedVersion).toBe(3);
  });

  it('rejects UPDATE, DELETE and TRUNCATE on the events table', async () => {
    const stream = `task-${randomUUID()}`;
    await store.append(stream, [taskStarted()], options('no_stream'));

    await expect(
      dataSource.query(`UPDATE es_test.task_events SET event_type = 'x' WHERE stream_id = $1`, [
        stream,
      ]),
    ).rejects.toThrow(/events are immutable: UPDATE/);
    await expect(
      dataSource.query(`DELETE FROM es_test.task_events WHERE stream_id = $1`, [stream]),
    ).rejects.toThrow(/events are immutable: DELETE/);
    await expect(dataSource.query('TRUNCATE es_test.task_events')).rejects.toThrow(
      /events are immutable: TRUNCATE/,
    );
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('refuses an event that breaks its JSON Schema, naming the field, and stores nothing', async () => {
    const stream = `task-${randomUUID()}`;
    const bad: NewEvent = {
      event_type: 'task.evaluated',
      data: {
        task_id: randomUUID(),
        path_id: randomUUID(),
        submission_id: randomUUID(),
        status: 'passed',
        score: 1.5,
        passed_tests: 3,
        total_tests: 3,
        runtime_ms: 12,
        memory_kb: null,
      },
    };

    await expect(store.append(stream, [bad], options('no_stream'))).rejects.toThrow(
      EventSchemaError,
    );
    await expect(store.append(stream, [bad], options('no_stream'))).rejects.toThrow(
      /score must be <= 1/,
    );
    expect(await store.streamVersion(stream)).toBeNull();
  });

  it('upcasts an event stored with an older schema version when it is read', async () => {
    const stream = `task-${randomUUID()}`;
    const data = { task_id: randomUUID(), path_id: randomUUID(), hint_request_id: randomUUID() };
    await dataSource.query(
      `INSERT INTO es_test.streams (stream_id, stream_type, stream_position) VALUES ($1, 'task', 1)`,
      [stream],
    );
    await dataSource.query(
      `INSERT INTO es_test.task_events (stream_id, stream_position, event_id, event_type, schema_version, user_id, data, occurred_at)
       VALUES ($1, 1, $2, 'task.hint_requested', 1, 'user-1', $3, now())`,
      [stream, randomUUID(), JSON.stringify(data)],
    );

    const [event] = await store.readStream(stream);

    expect(event?.schema_version).toBe(TaskHintRequested.version); // through every upcaster
    expect(event?.data).toEqual({ ...data, level: 1 });
  });

  it('folds a stream with a decider', async () => {
    const counter: Decider<never, EventEnvelope, { started: number }> = {
      initialState: () => ({ started: 0 }),
      evolve: (state, event) =>
        event.event_type === 'task.started' ? { started: state.started + 1 } : state,
      decide: () => [],
    };
    const stream = `task-${randomUUID()}`;
    await store.append(stream, [taskStarted(), taskStarted(), taskStarted()], options('no_stream'));

    expect(await store.aggregateStream(stream, counter)).toEqual({
      state: { started: 3 },
      version: 3,
    });
    expect(await store.aggregateStream(`task-${randomUUID()}`, counter)).toEqual({
      state: { started: 0 },
      version: 0,
    });
  });

  it('stores checkpoints with compare-and-set', async () => {
    const checkpoints = new CheckpointStore(dataSource, tables.schema);
    const name = `reader-${randomUUID()}`;
    const a: LogPosition = { transactionId: '100', globalPosition: 7 };
    const b: LogPosition = { transactionId: '101', globalPosition: 9 };

    expect(await checkpoints.load(name)).toEqual(LOG_START);
    await checkpoints.store(name, LOG_START, a);
    await expect(checkpoints.store(name, LOG_START, b)).rejects.toThrow(CheckpointConflictError);
    await checkpoints.store(name, a, b);
    await expect(checkpoints.store(name, a, b)).rejects.toThrow(CheckpointConflictError);
    expect(await checkpoints.load(name)).toEqual(b);
  });

  it('gives a redelivered message no second effect through the inbox, even concurrently', async () => {
    const inbox = new Inbox(dataSource, tables.schema);
    await dataSource.query('CREATE TABLE es_test.effects (message_id text NOT NULL)');
    const messageId = randomUUID();
    const apply = () =>
      inbox.handleOnce('projector', messageId, async (manager) => {
        await manager.query('INSERT INTO es_test.effects (message_id) VALUES ($1)', [messageId]);
        return 'applied';
      });

    const outcomes = await Promise.all([apply(), apply(), apply()]);
    const again = await apply();

    expect(outcomes.filter((o) => o.handled)).toEqual([{ handled: true, result: 'applied' }]);
    expect(again).toEqual({ handled: false });
    expect(await dataSource.query('SELECT count(*)::int AS n FROM es_test.effects')).toEqual([
      { n: 1 },
    ]);
    expect(await inbox.hasHandled('projector', messageId)).toBe(true);
    expect(await inbox.hasHandled('other-consumer', messageId)).toBe(false);
  });

  it('rolls the inbox record back with the effects when the handler fails', async () => {
    const inbox = new Inbox(dataSource, tables.schema);
    const messageId = randomUUID();

    await expect(
      inbox.handleOnce('projector', messageId, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await inbox.hasHandled('projector', messageId)).toBe(false);
  });

  describe('gap safety', () => {
    const WRITERS = 16;
    const EVENTS = 5_000;

    it('reads the log in numeric transaction order where xids change their number of digits (99 → 100)', async () => {
      // The gap-safety test below failed when the cluster's xids crossed 10^n during a run: readAll
      // ordered by the text of transaction_id ('100' < '99'), so its position went backwards
      // (duplicates) or past unread events. Here the crossing is given, not waited for.
      const digitTables = { schema: 'es_digits', eventsTable: 'events' };
      const digitSource = await db.dataSource({
        schema: digitTables.schema,
        migrations: [eventStoreMigration(digitTables)],
      });
      const digitStore = new PostgresEventStore(digitSource, digitTables);
      const written: { transactionId: string; eventId: string }[] = [];
      for (let xid = 95; xid <= 104; xid++) {
        for (const position of [1, 2]) {
          const eventId = randomUUID();
          written.push({ transactionId: String(xid), eventId });
          await digitSource.query(
            `INSERT INTO es_digits.events (stream_id, stream_position, transaction_id, event_id, event_type,
                                           schema_version, user_id, data, occurred_at)
             VALUES ($1, $2, $3::xid8, $4, 'task.started', 1, 'user-1', $5, now())`,
            [
              `task-${xid}`,
              position,
              String(xid),
              eventId,
              JSON.stringify({ task_id: randomUUID(), path_id: randomUUID() }),
            ],
          );
        }
      }

      for (const batchSize of [1, 3, 7, 50]) {
        const seen: string[] = [];
        let position = LOG_START;
        for (;;) {
          const batch = await digitStore.readAll(position, batchSize);
          if (batch.events.length === 0) break;
          seen.push(...batch.events.map((e) => e.event_id));
          position = batch.position;
        }
        expect({ batchSize, seen }).toEqual({ batchSize, seen: written.map((w) => w.eventId) });
      }
    });

    it(`a readAll follower and the relay each see all ${EVENTS} events of ${WRITERS} concurrent writers exactly once, streams in order`, async () => {
      const gapTables = { schema: 'es_gaps', eventsTable: 'events' };
      const gapDatabase = {
        schema: gapTables.schema,
        migrations: [eventStoreMigration(gapTables)],
      };
      const gapSource = await db.dataSource(gapDatabase);
      const gapStore = new PostgresEventStore(gapSource, gapTables);

      // Writers: transactions of 1-5 events on their own streams, each held open for a random
      // time before commit, so that commit order differs from global_position order.
      let remaining = EVENTS;
      const writer = async (w: number): Promise<void> => {
        const streams = Array.from({ length: 8 }, (_, i) => ({ id: `w${w}-s${i}`, version: 0 }));
        while (remaining > 0) {
          const count = Math.min(remaining, 1 + Math.floor(Math.random() * 5));
          remaining -= count;
          const stream = streams[Math.floor(Math.random() * streams.length)] as {
            id: string;
            version: number;
          };
          await gapSource.transaction(async (manager) => {
            const result = await gapStore.append(
              stream.id,
              Array.from({ length: count }, () => taskStarted()),
              { expectedVersion: stream.version, streamType: 'task', userId: `user-${w}`, manager },
            );
            stream.version = result.nextExpectedVersion;
            await manager.query('SELECT pg_sleep($1)', [Math.random() * 0.015]);
          });
        }
      };

      // Reader and relay are done when they have read through the last event of the log, which is
      // known once every writer has committed. Not when a read comes back empty: a transaction open
      // anywhere on the server (on a busy one, there always is) hides the newest events for a while.
      const log: { end?: LogPosition } = {};
      const seenByReader: EventEnvelope[] = [];
      const follow = async (): Promise<void> => {
        let position = LOG_START;
        const deadline = Date.now() + 120_000;
        while (!log.end || isAfter(log.end, position)) {
          if (Date.now() > deadline) {
            throw new Error(`the reader got stuck at ${JSON.stringify(position)}`);
          }
          const batch = await gapStore.readAll(position, 200);
          seenByReader.push(...batch.events);
          position = batch.position;
          if (batch.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };

      const published: EventEnvelope[] = [];
      const relay = new OutboxRelay({
        store: gapStore,
        dataSource: gapSource,
        publish: async (events) => {
          published.push(...events);
        },
        batchSize: 100,
        idleMs: 5,
        maxIdleMs: 20,
        logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      });
      relay.start();
      const reader = follow();
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      const [last] = (await gapSource.query(
        `SELECT transaction_id::text AS transaction_id, global_position FROM es_gaps.events
          ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1`,
      )) as { transaction_id: string; global_position: string }[];
      const endOfLog = {
        transactionId: last?.transaction_id ?? '0',
        globalPosition: Number(last?.global_position),
      };
      log.end = endOfLog;
      await reader;
      const checkpoints = new CheckpointStore(gapSource, gapTables.schema);
      await until(
        async () => !isAfter(endOfLog, await checkpoints.load(relay.checkpointName)),
        "the relay's checkpoint at the end of the log",
        { timeoutMs: 120_000, intervalMs: 10 },
      );
      await relay.stop();
      expect(await relay.drain()).toBe(0);

      for (const [who, seen] of [
        ['reader', seenByReader],
        ['relay', published],
      ] as const) {
        const ids = seen.map((e) => e.event_id);
        expect({ who, count: ids.length, distinct: new Set(ids).size }).toEqual({
          who,
          count: EVENTS,
          distinct: EVENTS,
        });
        const lastPosition = new Map<string, number>();
        for (const event of seen) {
          const previous = lastPosition.get(event.stream_id) ?? 0;
          expect({ who, stream: event.stream_id, position: event.stream_position }).toEqual({
            who,
            stream: event.stream_id,
            position: previous + 1,
          });
          lastPosition.set(event.stream_id, event.stream_position);
        }
      }
      // The writers really did commit out of global_position order, or the test proves nothing.
      const outOfOrder = seenByReader.some(
        (event, i) =>
          i > 0 && event.global_position < (seenByReader[i - 1] as EventEnvelope).global_position,
      );
      expect(outOfOrder).toBe(true);
    }, 180_000);
  });
});
