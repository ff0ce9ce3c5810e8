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
