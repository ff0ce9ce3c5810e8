import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import { InProcessBus } from '../in-process/in-process.bus';
import { describeDeadLetterStoreContract } from './dead-letter-store.contract-suite';
import { MessagingDatabase } from './messaging.database';
import { PostgresDeadLetterStore } from './postgres-dead-letter.store';

let database: TestDatabase;
let bus: InProcessBus;

describeDeadLetterStoreContract(
  'PostgreSQL, with the in-process bus (the embedded process)',
  async () => {
    database = await createTestDatabase([MessagingDatabase]);
    const store = new PostgresDeadLetterStore(await database.dataSource(MessagingDatabase));
    bus = new InProcessBus(3, { deadLetters: store, replayPollMs: 50 });
    return { bus, store, timeoutMs: 10_000 };
  },
  async () => {
    await bus.close();
    await database.drop();
  },
);

describe('PostgresDeadLetterStore', () => {
  it('shows and replays dead letters in the order they died, past id 9 (numbers, not their text)', async () => {
    const db = await createTestDatabase([MessagingDatabase]);
    try {
      const store = new PostgresDeadLetterStore(await db.dataSource(MessagingDatabase));
      for (let i = 1; i <= 12; i++) {
        const message = {
          topic: 'task-events',
          partition: 0,
          offset: String(i),
          key: `k${i}`,
          value: `v${i}`,
          headers: {},
        };
        await store.record('g', message, { ...message, topic: 'task-events.dlq.g' });
      }
      const shown = await store.show({ group: 'g', topic: 'task-events' });
      expect(shown.map((d) => d.key)).toEqual(Array.from({ length: 12 }, (_, i) => `k${i + 1}`));

      await store.replay({ group: 'g', topic: 'task-events' }, { limit: 12 });
      const requests = await store.replayRequests(['g'], 12);
      expect(requests.map((r) => r.message.key)).toEqual(
        Array.from({ length: 12 }, (_, i) => `k${i + 1}`),
      );
    } finally {
      await db.drop();
    }
  });
});
