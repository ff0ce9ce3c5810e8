import { randomUUID } from 'node:crypto';
import { Topics, type EventEnvelope } from '@studypath/contracts';
import {
  CheckpointStore,
  eventStoreMigration,
  Inbox,
  PostgresEventStore,
} from '@studypath/event-store';
import { eventHandler, KafkaBus, KafkaConnection, type Subscription } from '@studypath/messaging';
import { createTestDatabase, runTypeScript, until, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';

const EVENTS = 1_000;
const tables = { schema: 'relay_crash', eventsTable: 'events' };
const database = { schema: tables.schema, migrations: [eventStoreMigration(tables)] };

describe('outbox relay crash safety (real PostgreSQL, real Kafka, relay in a child process)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let connection: KafkaConnection;
  let bus: KafkaBus;
  let subscription: Subscription;
  const run = randomUUID().slice(0, 8);
  const deliveries = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase([database]);
    dataSource = await db.dataSource(database);
    await dataSource.query(
      'CREATE TABLE relay_crash.effects (event_id uuid NOT NULL, stream_id text NOT NULL, position int NOT NULL)',
    );
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'relay-crash-test',
    });
    bus = new KafkaBus(connection.kafka);
    const inbox = new Inbox(dataSource, tables.schema);
    // A consumer whose effect is a row per event, applied through the inbox.
    subscription = await bus.subscribe({
      group: `relay-crash-${run}`,
      topics: [Topics.taskEvents],
      handler: eventHandler(async (event: EventEnvelope) => {
        if (!event.user_id.startsWith(`${run}-`)) return; // the topic is shared with other tests
        deliveries.set(event.event_id, (deliveries.get(event.event_id) ?? 0) + 1);
        await inbox.handleOnce('effects', event.event_id, (manager) =>
          manager.query('INSERT INTO relay_crash.effects VALUES ($1, $2, $3)', [
            event.event_id,
            event.stream_id,
            event.stream_position,
          ]),
        );
      }),
    });
  });

  afterAll(async () => {
    await subscription?.stop();
    await bus?.close();
    await connection?.close();
    await db?.drop();
  });

  it('republishes after a SIGKILL between publish and checkpoint; the inbox applies every event exactly once, none missing', async () => {
    const store = new PostgresEventStore(dataSource, tables);
    for (let i = 0; i < EVENTS / 10; i++) {
      await store.append(
        `task-${run}-${i % 25}`,
        Array.from({ length: 10 }, () => ({
          event_type: 'task.started',
          data: { task_id: randomUUID(), path_id: randomUUID() },
        })),
        { expectedVersion: 'any', streamType: 'task', userId: `${run}-user-${i % 25}` },
      );
    }
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      RELAY_SCHEMA: tables.schema,
    };

    const crashing = runTypeScript('tools/e2e/fixtures/relay-child.ts', {
      ...env,
      CRASH_AFTER_BATCHES: '3',
    });
    expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(crashing.output()).toContain('published batch 3 (100 events)');
    // It died after the broker had batch 3 and before recording it: the checkpoint is at batch 2.
    const checkpoint = await new CheckpointStore(dataSource, tables.schema).load('relay:events');
    const [third] = (await dataSource.query(
      'SELECT global_position FROM relay_crash.events ORDER BY transaction_id, global_position OFFSET 199 LIMIT 1',
    )) as { global_position: string }[];
    // (The child's output comes with a mismatch: which batches it published, what it retried.)
    expect({ checkpoint: checkpoint.globalPosition, output: crashing.output() }).toEqual({
      checkpoint: Number(third?.global_position),
      output: crashing.output(),
    });

    const restarted = runTypeScript('tools/e2e/fixtures/relay-child.ts', env);
    try {
      const count = async () =>
        (
          (await dataSource.query('SELECT count(*)::int AS n FROM relay_crash.effects')) as {
            n: number;
          }[]
        )[0]?.n ?? 0;
      await until(async () => (await count()) >= EVENTS, 'every effect', {
        timeoutMs: 90_000,
        intervalMs: 100,
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a stray duplicate to show up
    } finally {
      expect(await restarted.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }

    const effects = (await dataSource.query(
      'SELECT event_id, count(*)::int AS n FROM relay_crash.effects GROUP BY event_id',
    )) as { event_id: string; n: number }[];
    const stored = (await dataSource.query('SELECT event_id FROM relay_crash.events')) as {
      event_id: string;
    }[];
    expect(effects).toHaveLength(EVENTS);
    expect(effects.filter((e) => e.n !== 1)).toEqual([]);
    expect(new Set(effects.map((e) => e.event_id))).toEqual(new Set(stored.map((e) => e.event_id)));
    // The crash really caused republishing: batch 3 reached the consumer twice.
    const redelivered = [...deliveries.values()].filter((n) => n > 1).length;
    expect(redelivered).toBeGreaterThanOrEqual(100);
    // Per stream, effects were applied in stream order.
    const order = (await dataSource.query(
      `SELECT stream_id, array_agg(position ORDER BY ctid) AS positions FROM relay_crash.effects GROUP BY stream_id`,
    )) as { stream_id: string; positions: number[] }[];
    for (const { positions } of order)
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
  }, 180_000);
});
