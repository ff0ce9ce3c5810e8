import { randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { TASK_STREAM_EVENTS, type EventEnvelope } from '@studypath/contracts';
import { HandleEvents } from '@studypath/messaging';
import {
  loadConfig,
  PlatformModule,
  startEventHandlers,
  type AppConfig,
} from '@studypath/platform';
import { createTestDatabase, eventually, type TestDatabase } from '@studypath/testing';
import { eventStoreMigration } from './event-store.migration';
import { EventStoreModule, InjectEventStore } from './event-store.module';
import type { PostgresEventStore } from './postgres-event-store';

const tables = { schema: 'wired', eventsTable: 'task_events' };
const database = { schema: tables.schema, migrations: [eventStoreMigration(tables)] };

@Controller()
class Recorder {
  readonly seen: EventEnvelope[] = [];

  constructor(@InjectEventStore('wired') readonly store: PostgresEventStore) {}

  @HandleEvents('recorder', TASK_STREAM_EVENTS)
  async record(event: EventEnvelope): Promise<void> {
    this.seen.push(event);
  }
}

@Module({
  imports: [EventStoreModule.forService({ database, eventStore: tables })],
  controllers: [Recorder],
})
class WiredServiceModule {}

describe('EventStoreModule (real PostgreSQL, in-process bus)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase([database]);
  });

  afterAll(async () => {
    await db.drop();
  });

  it("relays what the service appends to the bus, from start-up to shutdown, and reports on the outbox's health", async () => {
    const embedded = loadConfig({ role: 'embedded', env: {} });
    const config: AppConfig = { ...embedded, database: { kind: 'url', url: db.url, poolMax: 4 } };
    const moduleRef = await Test.createTestingModule({
      imports: [PlatformModule.forRoot(config), WiredServiceModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await startEventHandlers(app);
    try {
      const recorder = app.get(Recorder);
      const taskId = randomUUID();
      await recorder.store.append(
        `task-${taskId}`,
        [{ event_type: 'task.started', data: { task_id: taskId, path_id: randomUUID() } }],
        { expectedVersion: 'no_stream', streamType: 'task', userId: 'user-1' },
      );

      await eventually(
        () =>
          expect(recorder.seen.map((e) => [e.event_type, e.stream_id])).toEqual([
            ['task.started', `task-${taskId}`],
          ]),
        10_000,
      );

      const health = (await request(app.getHttpServer()).get('/health')).body as {
        details: Record<string, unknown>;
      };
      expect(health.details['outbox:wired']).toMatchObject({
        status: 'up',
        events_behind: 0,
        published: 1,
      });
    } finally {
      await app.close();
    }
  });
});
