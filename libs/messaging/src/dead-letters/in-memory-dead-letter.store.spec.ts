import { InProcessBus } from '../in-process/in-process.bus';
import { describeDeadLetterStoreContract } from './dead-letter-store.contract-suite';
import { InMemoryDeadLetterStore } from './in-memory-dead-letter.store';

let bus: InProcessBus;

describeDeadLetterStoreContract(
  'in memory, with the in-process bus',
  async () => {
    const store = new InMemoryDeadLetterStore();
    bus = new InProcessBus(3, { deadLetters: store, replayPollMs: 20 });
    return { bus, store, timeoutMs: 5_000 };
  },
  async () => {
    await bus.close();
  },
);
