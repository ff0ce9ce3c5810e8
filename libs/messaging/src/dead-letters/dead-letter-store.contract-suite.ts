import { randomUUID } from 'node:crypto';
import { eventually } from '../bus/bus.contract-suite';
import {
  DeadLetterHeaders,
  NonRetriableError,
  type IncomingMessage,
  type MessageBus,
  type Subscription,
} from '../bus/message-bus';
import type { DeadLetterStore } from './dead-letter.store';

/** Reads until `check` passes on what was read, or fails with its last error after `timeoutMs`. */
async function eventuallyRead<T>(
  read: () => Promise<T>,
  check: (value: T) => void,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface DeadLetterFixture {
  /** The bus whose dead letters `store` keeps. */
  bus: MessageBus;
  store: DeadLetterStore;
  timeoutMs: number;
}

/**
 * What every dead-letter store must do, with the bus that fills it: run on Kafka (topics), on the
 * in-process bus with PostgreSQL (the embedded process), and in memory.
 */
export function describeDeadLetterStoreContract(
  name: string,
  setup: () => Promise<DeadLetterFixture>,
  teardown: () => Promise<void>,
): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    let fixture: DeadLetterFixture;
    const subscriptions: Subscription[] = [];

    beforeAll(async () => {
      fixture = await setup();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    });

    afterAll(async () => {
      await teardown();
    });

    async function consume(
      topic: string,
      group: string,
      handler: (message: IncomingMessage) => Promise<void> = async () => undefined,
    ): Promise<string[]> {
      const values: string[] = [];
      subscriptions.push(
        await fixture.bus.subscribe({
          group,
          topics: [topic],
          retry: { retries: 1, initialDelayMs: 10, maxDelayMs: 50 },
          handler: async (message) => {
            await handler(message);
            values.push(message.value);
          },
        }),
      );
      return values;
    }

    it('lists, shows and replays a poison message to its own group, once', async () => {
      const topic = `dlq-contract.${randomUUID()}`;
      const group = `g-${randomUUID()}`;
      await fixture.bus.ensureTopics([{ name: topic, partitions: 3 }]);
      let poisoned = true;
      const handled = await consume(topic, group, async (message) => {
        if (poisoned && message.value === 'poison') throw new NonRetriableError('cannot digest');
      });
      const other = await consume(topic, `other-${randomUUID()}`);

      await fixture.bus.publish(
        ['before', 'poison', 'after'].map((value) => ({
          topic,
          key: 'user-1',
          value,
          headers: { traceparent: `tp-${value}` },
        })),
      );

      await eventually(() => expect(handled).toEqual(['before', 'after']), fixture.timeoutMs);
      await eventuallyRead(
        () => fixture.store.list({ group }),
        (queues) => expect(queues).toEqual([{ group, topic, total: 1, pending: 1, replayed: 0 }]),
        fixture.timeoutMs,
      );
      const [letter] = await fixture.store.show({ group, topic });
      expect(letter).toMatchObject({
        group,
        topic,
        key: 'user-1',
        value: 'poison',
        replayed: false,
      });
      expect(letter?.headers).toMatchObject({
        traceparent: 'tp-poison',
        [DeadLetterHeaders.error]: 'cannot digest',
        [DeadLetterHeaders.errorClass]: 'non-retriable',
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.group]: group,
      });

      poisoned = false; // the cause is fixed
      expect(await fixture.store.replay({ group, topic })).toBe(1);
      expect(await fixture.store.replay({ group, topic })).toBe(0);
      await eventually(
        () => expect(handled).toEqual(['before', 'after', 'poison']),
        fixture.timeoutMs,
      );

      // A message after the replay arrives after any second copy would have: there is none, and
      // the other group, which had the poison message already, did not get the copy.
      await fixture.bus.publish([{ topic, key: 'user-1', value: 'sentinel' }]);
      await eventually(() => {
        expect(handled).toEqual(['before', 'after', 'poison', 'sentinel']);
        expect(other).toEqual(['before', 'poison', 'after', 'sentinel']);
      }, fixture.timeoutMs);
      expect(await fixture.store.list({ group, topic })).toEqual([
        { group, topic, total: 1, pending: 0, replayed: 1 },
      ]);
      expect((await fixture.store.show({ group, topic })).map((l) => l.replayed)).toEqual([true]);
    });

    it('replays up to a limit, and the rest on the next replay', async () => {
      const topic = `dlq-contract.${randomUUID()}`;
      const group = `g-${randomUUID()}`;
      await fixture.bus.ensureTopics([{ name: topic, partitions: 1 }]);
      let poisoned = true;
      const handled = await consume(topic, group, async () => {
        if (poisoned) throw new NonRetriableError('not yet');
      });
      await fixture.bus.publish(['a', 'b', 'c'].map((value) => ({ topic, key: 'user-2', value })));
      await eventuallyRead(
        () => fixture.store.list({ group, topic }),
        (queues) => expect(queues).toEqual([{ group, topic, total: 3, pending: 3, replayed: 0 }]),
        fixture.timeoutMs,
      );

      poisoned = false;
      expect(await fixture.store.replay({ group, topic }, { limit: 2 })).toBe(2);
      await eventually(() => expect(handled).toEqual(['a', 'b']), fixture.timeoutMs);
      expect(await fixture.store.replay({ group, topic })).toBe(1);
      await eventually(() => expect(handled).toEqual(['a', 'b', 'c']), fixture.timeoutMs);
    });
  });
}
