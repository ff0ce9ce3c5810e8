import { randomUUID } from 'node:crypto';
import {
  DeadLetterHeaders,
  NonRetriableError,
  deadLetterTopic,
  type IncomingMessage,
  type MessageBus,
  type Subscription,
} from './message-bus';

/** What PostgreSQL says to every session when it restarts: a transient failure. */
function adminShutdown(): Error {
  return Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
  });
}

export interface BusFixture {
  bus: MessageBus;
  /** Time to wait for deliveries: a Kafka group needs seconds to join. */
  timeoutMs: number;
}

/** Polls `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
export async function eventually(check: () => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * The bus semantics both transports must have. Run by in-process.bus.spec.ts and, against the real
 * broker, by kafka.bus.int-spec.ts.
 */
export function describeBusContract(
  name: string,
  setup: () => Promise<BusFixture>,
  teardown: () => Promise<void>,
): void {
  describe(`MessageBus contract: ${name}`, () => {
    let fixture: BusFixture;
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

    async function newTopic(partitions = 3): Promise<string> {
      const topic = `contract.${randomUUID()}`;
      await fixture.bus.ensureTopics([{ name: topic, partitions }]);
      return topic;
    }

    async function collect(
      topic: string,
      group: string,
      handler: (m: IncomingMessage) => Promise<void> = async () => undefined,
      retry = { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
    ): Promise<IncomingMessage[]> {
      const received: IncomingMessage[] = [];
      subscriptions.push(
        await fixture.bus.subscribe({
          group,
          topics: [topic],
          retry,
          handler: async (message) => {
            await handler(message);
            received.push(message);
          },
        }),
      );
      return received;
    }

    it('delivers a message with its key, value and headers', async () => {
      const topic = await newTopic();
      const received = await collect(topic, `g-${randomUUID()}`);

      await fixture.bus.publish([
        { topic, key: 'user-1', value: '{"a":1}', headers: { traceparent: 'tp', x: 'y' } },
      ]);

      await eventually(() => expect(received).toHaveLength(1), fixture.timeoutMs);
      expect(received[0]).toMatchObject({ topic, key: 'user-1', value: '{"a":1}' });
      expect(received[0]?.headers).toMatchObject({ traceparent: 'tp', x: 'y' });
    });

    it("keeps each key's messages in order", async () => {
      const topic = await newTopic(3);
      const received = await collect(topic, `g-${randomUUID()}`);
      const keys = Array.from({ length: 10 }, (_, i) => `user-${i}`);
      const messages = Array.from({ length: 300 }, (_, i) => {
        const key = keys[i % keys.length] as string;
        return { topic, key, value: String(Math.floor(i / keys.length)) };
      });

      for (let i = 0; i < messages.length; i += 50)
        await fixture.bus.publish(messages.slice(i, i + 50));

      await eventually(() => expect(received).toHaveLength(300), fixture.timeoutMs);
      for (const key of keys) {
        const values = received.filter((m) => m.key === key).map((m) => Number(m.value));
        expect(values).toEqual(Array.from({ length: 30 }, (_, i) => i));
      }
    });

    it('gives every consumer group every message', async () => {
      const topic = await newTopic();
      const first = await collect(topic, `g-${randomUUID()}`);
      const second = await collect(topic, `g-${randomUUID()}`);

      await fixture.bus.publish(
        Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i % 4}`, value: String(i) })),
      );

      await eventually(() => {
        expect(first.map((m) => m.value).sort()).toEqual(second.map((m) => m.value).sort());
        expect(first).toHaveLength(20);
      }, fixture.timeoutMs);
    });

    it('retries a failing handler with backoff until it succeeds', async () => {
      const topic = await newTopic();
      let attempts = 0;
      const received = await collect(topic, `g-${randomUUID()}`, async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('transient');
      });

      await fixture.bus.publish([{ topic, key: 'user-1', value: 'once' }]);

      await eventually(
        () => expect(received.map((m) => m.value)).toEqual(['once']),
        fixture.timeoutMs,
      );
      expect(attempts).toBe(3);
    });

    it('dead-letters a poison message after its retries, with the error, and moves on', async () => {
      const topic = await newTopic();
      const group = `g-${randomUUID()}`;
      let poisonAttempts = 0;
      const received = await collect(topic, group, async (message) => {
        if (message.value === 'poison') {
          poisonAttempts += 1;
          throw new Error('cannot digest poison');
        }
      });
      const dead = await collect(deadLetterTopic(topic, group), `dlq-reader-${randomUUID()}`);

      await fixture.bus.publish([
        { topic, key: 'user-1', value: 'before' },
        { topic, key: 'user-1', value: 'poison', headers: { traceparent: 'tp-poison' } },
        { topic, key: 'user-1', value: 'after-1' },
        { topic, key: 'user-1', value: 'after-2' },
      ]);

      await eventually(
        () => expect(received.map((m) => m.value)).toEqual(['before', 'after-1', 'after-2']),
        fixture.timeoutMs,
      );
      await eventually(() => expect(dead).toHaveLength(1), fixture.timeoutMs);
      expect(poisonAttempts).toBe(3);
      expect(dead[0]).toMatchObject({ key: 'user-1', value: 'poison' });
      expect(dead[0]?.headers).toMatchObject({
        traceparent: 'tp-poison',
        [DeadLetterHeaders.error]: 'cannot digest poison',
        [DeadLetterHeaders.attempts]: '3',
        [DeadLetterHeaders.originalTopic]: topic,
        [DeadLetterHeaders.group]: group,
      });
    });

    it('retries a transient failure past the retries of unknown failures, then handles it once', async () => {
      const topic = await newTopic();
      const group = `g-${randomUUID()}`;
      let failures = 0;
      const received = await collect(topic, group, async (message) => {
        if (message.value === 'flaky' && failures < 10) {
          failures += 1;
          throw adminShutdown();
        }
      });
      const dead = await collect(deadLetterTopic(topic, group), `dlq-reader-${randomUUID()}`);

      await fixture.bus.publish([
        { topic, key: 'user-1', value: 'flaky' },
        { topic, key: 'user-1', value: 'after' },
      ]);

      await eventually(
        () => expect(received.map((m) => m.value)).toEqual(['flaky', 'after']),
        fixture.timeoutMs,
      );
      expect(failures).toBe(10); // the retry policy allows 2 retries of an unknown failure
      expect(dead).toEqual([]);
    });

    it('holds back only the partition whose message waits for its next attempt', async () => {
      const topic = await newTopic(3);
      const group = `g-${randomUUID()}`;
      let released = false;
      let blockedPartition: number | undefined;
      const receivedWhileBlocked: IncomingMessage[] = [];
      const received = await collect(topic, group, async (message) => {
        if (message.value === 'blocked' && !released) {
          blockedPartition = message.partition;
          throw adminShutdown();
        }
        if (!released) receivedWhileBlocked.push(message);
      });

      const publishing = fixture.bus.publish([
        { topic, key: 'blocked-user', value: 'blocked' },
        ...Array.from({ length: 30 }, (_, i) => ({ topic, key: `user-${i}`, value: `m${i}` })),
      ]);
      // In one process, publish resolves once every message is handled: after the release.
      publishing.catch(() => undefined);

      await eventually(() => {
        expect(blockedPartition).toBeDefined();
        expect(receivedWhileBlocked.length).toBeGreaterThan(0);
      }, fixture.timeoutMs);
      // Order holds: nothing behind the waiting message of its partition went ahead of it.
      expect(receivedWhileBlocked.filter((m) => m.partition === blockedPartition)).toEqual([]);
      released = true;
      await publishing;
      await eventually(() => expect(received).toHaveLength(31), fixture.timeoutMs);
      expect(received.filter((m) => m.value === 'blocked')).toHaveLength(1);
    });

    it('stops while a message waits for its next attempt, leaving it unhandled', async () => {
      const topic = await newTopic();
      const group = `g-${randomUUID()}`;
      let attempts = 0;
      const subscription = await fixture.bus.subscribe({
        group,
        topics: [topic],
        retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
        handler: async () => {
          attempts += 1;
          throw adminShutdown();
        },
      });

      const publishing = fixture.bus.publish([{ topic, key: 'user-1', value: 'never' }]);
      publishing.catch(() => undefined);
      await eventually(() => expect(attempts).toBeGreaterThan(1), fixture.timeoutMs);

      await subscription.stop();
      // The in-process publish fails (the relay keeps the event); a Kafka publish had resolved.
      await publishing.then(
        () => undefined,
        (error: unknown) => expect(String(error)).toMatch(/stopped before/),
      );
    });

    it('dead-letters a message that can never be handled at once, without retries', async () => {
      const topic = await newTopic();
      const group = `g-${randomUUID()}`;
      let attempts = 0;
      await collect(topic, group, async () => {
        attempts += 1;
        throw new NonRetriableError('not an event');
      });
      const dead = await collect(deadLetterTopic(topic, group), `dlq-reader-${randomUUID()}`);

      await fixture.bus.publish([{ topic, key: 'k', value: 'garbage' }]);

      await eventually(() => expect(dead).toHaveLength(1), fixture.timeoutMs);
      expect(attempts).toBe(1);
      expect(dead[0]?.headers[DeadLetterHeaders.errorType]).toBe('NonRetriableError');
    });
  });
}
