import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { eventStoreMigration, OutboxRelay, PostgresEventStore } from '@studypath/event-store';
import { eventPublisher, KafkaBus, KafkaConnection } from '@studypath/messaging';
import { createServiceDataSource, migrateServiceSchema } from '@studypath/platform';
import { runBench } from './bench-support';
import type * as Emmett from '@event-driven-io/emmett-postgresql' with {
  'resolution-mode': 'import',
};

/**
 * `npm run bench:event-store`: append throughput (one writer, 16 writers), readAll throughput,
 * relay throughput to the real Kafka broker, and the append throughput of emmett's PostgreSQL
 * event store on the same server in the same run, as the reference. Sizes: BENCH_EVENTS (10000).
 */
const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000);
const WRITERS = 16;
const STREAMS = 1_000;
const silent = {
  log: (): void => undefined,
  warn: (): void => undefined,
  error: (): void => undefined,
};

function data() {
  return { task_id: randomUUID(), path_id: randomUUID() };
}

async function timed(
  label: string,
  count: number,
  work: (progress: (n: number) => void) => Promise<void>,
): Promise<number> {
  let done = 0;
  let lastPrint = Date.now();
  const progress = (n: number): void => {
    done += n;
    if (Date.now() - lastPrint > 1000) {
      process.stdout.write(`  ${label}: ${done}/${count}\n`);
      lastPrint = Date.now();
    }
  };
  const started = process.hrtime.bigint();
  await work(progress);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = count / seconds;
  process.stdout.write(
    `  ${label}: ${count} events in ${seconds.toFixed(2)} s = ${Math.round(rate)} events/s\n`,
  );
  return rate;
}

async function inParallel(
  writers: number,
  total: number,
  write: (writer: number, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = next++; i < total; i = next++) await write(w, i);
    }),
  );
}

runBench(async ({ infra, admin, createDatabase }) => {
  const ours = await createDatabase('es');
  const theirs = await createDatabase('emmett');
  const results: Record<string, number> = {};
  const { server_version: version } = (
    await admin.query<{ server_version: string }>('SHOW server_version')
  ).rows[0] as { server_version: string };
  process.stdout.write(
    `PostgreSQL ${version}; ${TOTAL} events per run, ${STREAMS} streams, 1 event per append\n`,
  );

  // Ours.
  const tables = { schema: 'bench', eventsTable: 'events' };
  const dataSource = createServiceDataSource({
    schema: tables.schema,
    migrations: [eventStoreMigration(tables)],
    url: ours,
    poolMax: WRITERS + 4,
    applicationName: 'bench',
  });
  await dataSource.initialize();
  await migrateServiceSchema(dataSource, silent);
  const store = new PostgresEventStore(dataSource, tables);
  const append = (stream: number, userId: string) =>
    store.append(`task-${stream}`, [{ event_type: 'task.started', data: data() }], {
      expectedVersion: 'any',
      streamType: 'task',
      userId,
    });

  process.stdout.write('studypath event store\n');
  // Warm up as emmett's run does below: the first appends open the pool's connections.
  await Promise.all(Array.from({ length: WRITERS }, (_, i) => append(STREAMS + i, 'warm-up')));
  results.oursOne = await timed('append, 1 writer', TOTAL, async (progress) => {
    for (let i = 0; i < TOTAL; i++) {
      await append(i % STREAMS, `user-${i % 100}`);
      progress(1);
    }
  });
  results.oursSixteen = await timed(`append, ${WRITERS} writers`, TOTAL, (progress) =>
    inParallel(WRITERS, TOTAL, async (w, i) => {
      await append(i % STREAMS, `user-${w}`);
      progress(1);
    }),
  );
  const all = TOTAL * 2 + WRITERS; // both runs and the warm-up
  results.readAll = await timed('readAll (batches of 1000)', all, async (progress) => {
    let position = undefined as Parameters<typeof store.readAll>[0];
    for (;;) {
      const batch = await store.readAll(position, 1000);
      if (batch.events.length === 0) break;
      position = batch.position;
      progress(batch.events.length);
    }
  });
  const connection = new KafkaConnection({ brokers: infra.kafka.brokers, clientId: 'bench' });
  const bus = new KafkaBus(connection.kafka);
  const relay = new OutboxRelay({
    store,
    dataSource,
    publish: eventPublisher(bus),
    batchSize: 1000,
    name: `bench-${randomUUID()}`,
    logger: silent,
  });
  results.relay = await timed('relay to Kafka (batches of 1000, acks=all)', all, async () => {
    // drain() stops at the end of the log visible now; a transaction anywhere on the server
    // (autovacuum, say) can hide the newest events from the gap-safe reader for a moment.
    let sent = 0;
    const deadline = Date.now() + 60_000;
    while (sent < all && Date.now() < deadline) {
      sent += await relay.drain();
      if (sent < all) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (sent !== all) throw new Error(`relay sent ${sent} of ${all} events`);
  });
  await bus.close();
  await connection.close();
  await dataSource.destroy();

  // emmett, on the same server.
  process.stdout.write('@event-driven-io/emmett-postgresql (reference)\n');
  // emmett ships as an ES module; Node 20.19+ loads it through require().
  const { getPostgreSQLEventStore } =
    require('@event-driven-io/emmett-postgresql') as typeof Emmett;
  const emmett = getPostgreSQLEventStore(theirs);
  await emmett.appendToStream('warm-up', [{ type: 'TaskStarted', data: data() }]);
  const emmettAppend = (stream: number) =>
    emmett.appendToStream(`task-${stream}`, [{ type: 'TaskStarted', data: data() }]);
  results.emmettOne = await timed('append, 1 writer', TOTAL, async (progress) => {
    for (let i = 0; i < TOTAL; i++) {
      await emmettAppend(i % STREAMS);
      progress(1);
    }
  });
  results.emmettSixteen = await timed(`append, ${WRITERS} writers`, TOTAL, (progress) =>
    inParallel(WRITERS, TOTAL, async (_w, i) => {
      await emmettAppend(i % STREAMS);
      progress(1);
    }),
  );
  await emmett.close();

  const ratio = (a = 0, b = 1): string => (a / b).toFixed(2);
  process.stdout.write('\nsummary (events/s)\n');
  process.stdout.write(
    `  append, 1 writer:    studypath ${Math.round(results.oursOne ?? 0)}  emmett ${Math.round(results.emmettOne ?? 0)}  ratio ${ratio(results.oursOne, results.emmettOne)}\n`,
  );
  process.stdout.write(
    `  append, ${WRITERS} writers:  studypath ${Math.round(results.oursSixteen ?? 0)}  emmett ${Math.round(results.emmettSixteen ?? 0)}  ratio ${ratio(results.oursSixteen, results.emmettSixteen)}\n`,
  );
  process.stdout.write(`  readAll:             ${Math.round(results.readAll ?? 0)}\n`);
  process.stdout.write(`  relay to Kafka:      ${Math.round(results.relay ?? 0)}\n`);
});
