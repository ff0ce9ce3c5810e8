import { randomUUID } from 'node:crypto';
import type { EventEnvelope, NewEvent } from '@studypath/contracts';
import { MessageTooLargeError } from '@studypath/messaging';
import { createTestDatabase, until, type TestDatabase } from '@studypath/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { CheckpointStore } from './checkpoint.store';
import { eventStoreMigration, type EventStoreTables } from './event-store.migration';
import { isAfter, LOG_START, type LogPosition } from './log-position';
import {
  encodedEventBytes,
  OutboxRelay,
  RelayLeadership,
  type OutboxRelayOptions,
  type RelayPublisher,
} from './outbox-relay';
import { OutboxRelayHealth, type RelayHealthOptions } from './outbox-relay.health';
import { PostgresEventStore } from './postgres-event-store';

const base = { schema: 'relay_base', eventsTable: 'events' };
const baseDatabase = { schema: base.schema, migrations: [eventStoreMigration(base)] };

interface Log {
  tables: EventStoreTables;
  dataSource: DataSource;
  store: PostgresEventStore;
  checkpoints: CheckpointStore;
}

interface LogLine {
  level: 'log' | 'warn' | 'error';
  message: string;
}

function recordingLogger(): OutboxRelayOptions['logger'] & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    log: (message: unknown) => void lines.push({ level: 'log', message: String(message) }),
    warn: (message: unknown) => void lines.push({ level: 'warn', message: String(message) }),
    error: (message: unknown) => void lines.push({ level: 'error', message: String(message) }),
  };
}

function started(): NewEvent {
  return { event_type: 'task.started', data: { task_id: randomUUID(), path_id: randomUUID() } };
}

/** A task.submitted whose code makes it about `bytes` long when encoded. */
function submitted(bytes: number): NewEvent {
  return {
    event_type: 'task.submitted',
    data: {
      task_id: randomUUID(),
      path_id: randomUUID(),
      submission_id: randomUUID(),
      problem_id: 'two-sum',
      language: 'python',
      code: 'x'.repeat(Math.max(1, bytes - 1200)),
      attempt: 1,
    },
  };
}

/** A publisher that records what it was given, batch by batch. */
function recordingPublisher(
  before: (events: EventEnvelope[]) => void | Promise<void> = () => undefined,
): RelayPublisher & { batches: EventEnvelope[][]; all: () => EventEnvelope[] } {
  const batches: EventEnvelope[][] = [];
  const publish = async (events: EventEnvelope[]): Promise<void> => {
    await before(events);
    batches.push(events);
  };
  return Object.assign(publish, { batches, all: () => batches.flat() });
}

describe('OutboxRelay (real PostgreSQL)', () => {
  let db: TestDatabase;
  let logs = 0;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    db = await createTestDatabase([baseDatabase]);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  });

  afterAll(async () => {
    await db.drop();
  });

  /** Each test relays its own log: a schema of its own in the suite's database. */
  async function freshLog(): Promise<Log> {
    logs += 1;
    const tables = { schema: `relay_${logs}`, eventsTable: 'events' };
    const dataSource = await db.dataSource({
      schema: tables.schema,
      migrations: [eventStoreMigration(tables)],
    });
    return {
      tables,
      dataSource,
      store: new PostgresEventStore(dataSource, tables),
      checkpoints: new CheckpointStore(dataSource, tables.schema),
    };
  }

  async function append(log: Log, events: NewEvent[], stream = `task-${randomUUID()}`) {
    const result = await log.store.append(stream, events, {
      expectedVersion: 'any',
      streamType: 'task',
      userId: 'user-1',
    });
    return result.events;
  }

  function relayOn(
    log: Log,
    publish: RelayPublisher,
    options: Partial<OutboxRelayOptions> = {},
  ): OutboxRelay & { recorded: ReturnType<typeof recordingLogger> } {
    const logger = recordingLogger();
    const relay = new OutboxRelay({
      store: log.store,
      dataSource: log.dataSource,
      publish,
      batchSize: 10,
      idleMs: 5,
      maxIdleMs: 20,
      retryMs: 10,
      maxRetryMs: 50,
      standbyMs: 20,
      logger,
      ...options,
    });
    relays.push(relay);
    return Object.assign(relay, { recorded: logger });
  }

  async function publishedAll(
    publisher: { all: () => EventEnvelope[] },
    events: EventEnvelope[],
  ): Promise<void> {
    const wanted = new Set(events.map((e) => e.event_id));
    await until(
      () => {
        const seen = new Set(publisher.all().map((e) => e.event_id));
        return [...wanted].every((id) => seen.has(id));
      },
      () => `all ${wanted.size} events published (${publisher.all().length} so far)`,
    );
  }

  async function checkpointOf(log: Log, relay: OutboxRelay): Promise<LogPosition> {
    return log.checkpoints.load(relay.checkpointName);
  }

  async function endOfLog(log: Log): Promise<LogPosition> {
    const [row] = (await log.dataSource.query(
      `SELECT transaction_id::text AS tx, global_position::int AS gp FROM "${log.tables.schema}".events
        ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1`,
    )) as { tx: string; gp: number }[];
    return { transactionId: row?.tx ?? '0', globalPosition: row?.gp ?? 0 };
  }

  const warnings = (relay: { recorded: { lines: LogLine[] } }): string[] =>
    relay.recorded.lines.filter((l) => l.level === 'warn').map((l) => l.message);

  describe('survives a failure at each of its steps', () => {
    const failOnce = (what: string) => new Error(`injected: ${what}`);
    const faults: [string, string, (log: Log) => void][] = [
      [
        'the leadership query',
        'checking leadership failed',
        () =>
          jest
            .spyOn(RelayLeadership.prototype, 'hold')
            .mockRejectedValueOnce(failOnce('lock query')),
      ],
      [
        'the first checkpoint load',
        'loading the checkpoint failed',
        () =>
          jest
            .spyOn(CheckpointStore.prototype, 'load')
            .mockRejectedValueOnce(failOnce('checkpoint load')),
      ],
      [
        'reading the log',
        'reading the log failed',
        (log) => jest.spyOn(log.store, 'readAll').mockRejectedValueOnce(failOnce('read')),
      ],
      [
        'recording the checkpoint',
        'recording the checkpoint failed',
        () =>
          jest
            .spyOn(CheckpointStore.prototype, 'store')
            .mockRejectedValueOnce(failOnce('checkpoint store')),
      ],
    ];

    it.each(faults)('%s', async (_name, warning, inject) => {
      const log = await freshLog();
      const events = await append(log, Array.from({ length: 25 }, started));
      inject(log);
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher);

      relay.start();
      await publishedAll(publisher, events);
      await until(
        async () => !isAfter(await endOfLog(log), await checkpointOf(log, relay)),
        'the checkpoint at the end',
      );

      expect(warnings(relay).join('\n')).toContain(warning);
      expect(warnings(relay).join('\n')).toContain('injected');
      expect(relay.status()).toMatchObject({ running: true, role: 'leader', failures: 0 });
      expect(
        relay.recorded.lines.some((l) => l.message.includes('recovered after 1 failure')),
      ).toBe(true);
      // At least once, in log order: a failure only ever repeats a batch.
      const ids = publisher.all().map((e) => e.event_id);
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.event_id)));
      expect([...new Set(ids)]).toEqual(events.map((e) => e.event_id));
    });

    it('the broker failing for a while: retries with backoff, logs once, not per retry', async () => {
      const log = await freshLog();
      const events = await append(log, Array.from({ length: 25 }, started));
      let refusals = 0;
      const publisher = recordingPublisher(() => {
        if (refusals < 8) {
          refusals += 1;
          throw new Error('injected: broker not available');
        }
      });
      const relay = relayOn(log, publisher);

      relay.start();
      await publishedAll(publisher, events);

      expect(refusals).toBe(8);
      expect(relay.stats.failures).toBe(8);
      expect(warnings(relay)).toEqual([
        expect.stringMatching(
          /publishing failed: Error: injected: broker not available \(1 in a row/,
        ),
      ]);
      expect(new Set(publisher.all().map((e) => e.event_id)).size).toBe(25);
    });

    it('a checkpoint conflict (another relay moved it), and the reload after it failing too', async () => {
      const log = await freshLog();
      const events = await append(log, Array.from({ length: 30 }, started));
      let interfered = false;
      const publisher = recordingPublisher(async () => {
        if (interfered) return;
        interfered = true;
        // Another relay published the first ten and recorded them first.
        const tenth = (await log.store.readAll(LOG_START, 10)).position;
        await log.checkpoints.store(conflicted.checkpointName, LOG_START, tenth);
        jest
          .spyOn(CheckpointStore.prototype, 'load')
          .mockRejectedValueOnce(new Error('injected: reload failed'));
      });
      const conflicted = relayOn(log, publisher);

      conflicted.start();
      await publishedAll(publisher, events.slice(10));
      await until(
        async () => !isAfter(await endOfLog(log), await checkpointOf(log, conflicted)),
        'the checkpoint at the end',
      );

      const warned = warnings(conflicted).join('\n');
      expect(warned).toContain('recording the checkpoint failed: CheckpointConflictError');
      // The second failure in a row is not logged on its own (no flooding); the recovery names it.
      expect(conflicted.recorded.lines).toContainEqual({
        level: 'log',
        message: expect.stringMatching(
          /recovered after 2 failure\(s\) .*last: loading the checkpoint failed: Error: injected: reload failed/,
        ),
      });
      expect(conflicted.status()).toMatchObject({ running: true, failures: 0 });
      // After the conflict it went on from where the other relay had got to.
      const afterConflict = publisher.batches.slice(1).flat();
      expect(afterConflict.map((e) => e.event_id)).toEqual(events.slice(10).map((e) => e.event_id));
    });
  });

  describe('woken by a commit, not by its poll', () => {
    // A poll this slow would keep every event of these tests past their 10 s wait.
    const slowPoll = { idleMs: 60_000, maxIdleMs: 60_000 };

    it('publishes an event appended outside a transaction as soon as it is appended', async () => {
      const log = await freshLog();
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher, slowPoll);
      relay.start();
      // Let the relay lead, read the empty log and fall asleep for a minute.
      await until(() => relay.status().role === 'leader', 'the relay leads');
      await new Promise((resolve) => setTimeout(resolve, 100));

      const events = await append(log, [started()]);
      await publishedAll(publisher, events);
    });

    it('publishes the events of a transaction once it commits', async () => {
      const log = await freshLog();
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher, slowPoll);
      relay.start();
      await until(() => relay.status().role === 'leader', 'the relay leads');

      let appended: EventEnvelope[] = [];
      await log.dataSource.transaction(async (manager) => {
        const result = await log.store.append(`task-${randomUUID()}`, [started(), started()], {
          expectedVersion: 'any',
          streamType: 'task',
          userId: 'user-1',
          manager,
        });
        appended = result.events;
        // A savepoint inside the transaction releasing is not its commit.
        await manager.transaction(async (inner) => {
          await inner.query('SELECT 1');
        });
      });
      await publishedAll(publisher, appended);
      expect(publisher.all().map((e) => e.event_id)).toEqual(appended.map((e) => e.event_id));
    });
  });

  describe('leadership', () => {
    it('loses it when its lock connection is killed (pg_terminate_backend), takes it again and goes on', async () => {
      const log = await freshLog();
      const first = await append(log, Array.from({ length: 5 }, started));
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher);
      relay.start();
      await publishedAll(publisher, first);
      const pid = relay.status().lockPid;
      expect(pid).toEqual(expect.any(Number));

      await log.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      await until(
        () => relay.status().lockPid !== pid && relay.status().lockPid !== null,
        'a new lock connection',
      );
      const second = await append(log, Array.from({ length: 5 }, started));
      await publishedAll(publisher, second);

      expect(warnings(relay).join('\n')).toMatch(/no longer leader|checking leadership failed/);
      expect(relay.status()).toMatchObject({ running: true, role: 'leader' });
      const holders = (await log.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1`,
        [relay.status().lockPid],
      )) as { n: number }[];
      expect(holders).toEqual([{ n: 1 }]);
    });

    it('a standby waits (healthy) and takes over when the leader stops', async () => {
      const log = await freshLog();
      const publisherA = recordingPublisher();
      const publisherB = recordingPublisher();
      const a = relayOn(log, publisherA);
      const b = relayOn(log, publisherB);
      const first = await append(log, Array.from({ length: 5 }, started));
      a.start();
      await publishedAll(publisherA, first);
      b.start();
      await until(() => b.status().role === 'standby', 'b to stand by');

      const health = await new OutboxRelayHealth(b, log.dataSource, log.tables).checkHealth();
      expect(health).toEqual({ up: true, details: expect.objectContaining({ role: 'standby' }) });

      await a.stop();
      const second = await append(log, Array.from({ length: 5 }, started));
      await publishedAll(publisherB, second);
      expect(b.status().role).toBe('leader');
      expect(publisherB.all().map((e) => e.event_id)).toEqual(second.map((e) => e.event_id));
    });
  });

  describe('/health', () => {
    const healthOf = (log: Log, relay: OutboxRelay, options?: RelayHealthOptions) =>
      new OutboxRelayHealth(relay, log.dataSource, log.tables, options);

    it('is down while the relay is not running, up while it leads and keeps up', async () => {
      const log = await freshLog();
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher);
      const health = healthOf(log, relay);

      expect(await health.checkHealth()).toEqual({
        up: false,
        details: expect.objectContaining({ message: 'the relay is not running' }),
      });
      relay.start();
      const events = await append(log, Array.from({ length: 3 }, started));
      await publishedAll(publisher, events);
      await until(
        async () => (await health.checkHealth()).details?.events_behind === 0,
        'caught up',
      );
      expect(await health.checkHealth()).toEqual({
        up: true,
        details: expect.objectContaining({ role: 'leader', events_behind: 0, published: 3 }),
      });
      await relay.stop();
      expect((await health.checkHealth()).up).toBe(false);
    });

    it('is down while publishing keeps failing, with the error, and up again once it succeeds', async () => {
      const log = await freshLog();
      let brokerDown = true;
      const publisher = recordingPublisher(() => {
        if (brokerDown) throw new Error('injected: broker not available');
      });
      const relay = relayOn(log, publisher);
      const health = healthOf(log, relay, { stallAfterMs: 0 });
      const events = await append(log, Array.from({ length: 3 }, started));
      relay.start();
      await until(() => relay.status().failures >= 2, 'failures');

      const down = await health.checkHealth();
      expect(down.up).toBe(false);
      expect(String(down.details?.message)).toMatch(
        /the relay has been failing for .* publishing failed: Error: injected: broker not available/,
      );

      brokerDown = false;
      await publishedAll(publisher, events);
      await until(async () => (await health.checkHealth()).up, 'health up again');
    });

    it('is down when its lag keeps growing: an open transaction holds back the gap-safe reader', async () => {
      const log = await freshLog();
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher);
      const health = healthOf(log, relay, { maxLagMs: 0, growingChecks: 2 });
      relay.start();
      await until(() => relay.status().role === 'leader', 'leadership');
      const blocker = new Client({ connectionString: db.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT pg_current_xact_id()');
        const reports = [];
        for (let i = 0; i < 3; i++) {
          await append(log, Array.from({ length: 2 }, started));
          reports.push(await health.checkHealth());
        }
        expect(reports.map((r) => [r.up, r.details?.message])).toEqual([
          [true, undefined],
          [true, undefined],
          [false, expect.stringContaining('falling behind')],
        ]);
        expect(reports[2]?.details).toMatchObject({ events_behind: 6 });
        expect(String(reports[2]?.details?.message)).toMatch(
          /falling behind: .* has not shrunk over 2 checks \(2 → 4 → 6\)/,
        );
      } finally {
        await blocker.query('COMMIT');
        await blocker.end();
      }
      let last: unknown;
      await until(
        async () => {
          const report = await health.checkHealth();
          last = report;
          return report.up;
        },
        () => `health up once the reader sees them (last: ${JSON.stringify(last)})`,
      );
      expect(publisher.all()).toHaveLength(6);
    });
  });

  describe('batches bounded by bytes', () => {
    it('keeps each publish under maxBatchBytes', async () => {
      const log = await freshLog();
      const events = await append(
        log,
        Array.from({ length: 12 }, () => submitted(4_000)),
      );
      const publisher = recordingPublisher();
      const relay = relayOn(log, publisher, { maxBatchBytes: 10_000 });
      relay.start();
      await publishedAll(publisher, events);

      const sizes = publisher.batches.map((b) => b.reduce((n, e) => n + encodedEventBytes(e), 0));
      expect(sizes.every((size) => size <= 10_000)).toBe(true);
      expect(publisher.batches.map((b) => b.length)).toEqual([2, 2, 2, 2, 2, 2]);
      expect(publisher.all().map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
    });

    /** A broker that refuses a publish of more than `limit` bytes of JSON, before taking any of it. */
    const brokerLimit = (limit: number) => {
      const refused: number[] = [];
      const publisher = recordingPublisher((batch) => {
        const bytes = batch.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
        if (bytes > limit) {
          refused.push(batch.length);
          throw new MessageTooLargeError(`the request of ${bytes} bytes is over ${limit}`);
        }
      });
      return Object.assign(publisher, { refused });
    };

    it('splits a batch the broker refuses as too large, and publishes every event once, in order', async () => {
      const log = await freshLog();
      const events = await append(
        log,
        Array.from({ length: 20 }, () => submitted(6_000)),
      );
      const publisher = brokerLimit(20_000);
      const relay = relayOn(log, publisher, { batchSize: 20 });
      relay.start();
      await publishedAll(publisher, events);

      expect(publisher.refused[0]).toBe(20);
      expect(relay.stats.splits).toBeGreaterThanOrEqual(1);
      expect(publisher.all().map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
      expect(publisher.batches.every((b) => b.length <= 3)).toBe(true);
      expect(warnings(relay).join('\n')).toMatch(/the broker refused 20 events/);
      expect(relay.status()).toMatchObject({ running: true, failures: 0 });
    });

    it('skips an event the broker refuses on its own: one ERROR, a record at its position, the rest published', async () => {
      const log = await freshLog();
      const before = await append(log, Array.from({ length: 4 }, started));
      const [huge] = await append(log, [submitted(30_000)]);
      const after = await append(log, Array.from({ length: 4 }, started));
      const publisher = brokerLimit(20_000);
      const relay = relayOn(log, publisher);
      relay.start();
      await publishedAll(publisher, [...before, ...after]);
      await until(
        async () => !isAfter(await endOfLog(log), await checkpointOf(log, relay)),
        'the checkpoint at the end',
      );

      expect(publisher.all().map((e) => e.event_id)).toEqual(
        [...before, ...after].map((e) => e.event_id),
      );
      const errors = relay.recorded.lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toContain(`event ${huge?.event_id} (task.submitted`);
      expect(errors[0]?.message).toContain('cannot be published');
      const marker = await log.checkpoints.load(`${relay.tooLargeMarkerPrefix}${huge?.event_id}`);
      expect(marker.globalPosition).toBe(huge?.global_position);
      expect(relay.stats.tooLarge).toBe(1);
      expect(relay.status()).toMatchObject({ running: true, failures: 0 });
      expect(await new OutboxRelayHealth(relay, log.dataSource, log.tables).checkHealth()).toEqual({
        up: true,
        details: expect.objectContaining({ skipped_too_large: 1, events_behind: 0 }),
      });
    });
  });
});
