import { randomUUID } from 'node:crypto';
import { Topics } from '@studypath/contracts';
import {
  ConfigResourceTypes,
  KafkaJSNonRetriableError,
  type Consumer,
  type Kafka,
  type Producer,
} from 'kafkajs';
import { describeBusContract, eventually } from '../bus/bus.contract-suite';
import { MessageTooLargeError, type IncomingMessage } from '../bus/message-bus';
import { KafkaBus } from './kafka.bus';
import { KafkaConnection } from './kafka-connection';

let connection: KafkaConnection;
let bus: KafkaBus;

describeBusContract(
  'Kafka (real broker)',
  async () => {
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-contract',
    });
    bus = new KafkaBus(connection.kafka, { defaultPartitions: 3 });
    return { bus, timeoutMs: 30_000 };
  },
  async () => {
    await bus.close();
    await connection.close();
  },
);

describe('KafkaBus (real broker)', () => {
  let local: KafkaConnection;

  beforeAll(() => {
    local = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-order',
    });
  });

  afterAll(async () => {
    await local.close();
  });

  it('creates the same new topics from several processes starting at once', async () => {
    const processes = Array.from(
      { length: 5 },
      (_, i) =>
        new KafkaConnection({
          brokers: (process.env.KAFKA_BROKERS as string).split(','),
          clientId: `studypath-starting-${i}`,
        }),
    );
    const topics = Array.from({ length: 6 }, () => ({
      name: `start.${randomUUID()}`,
      partitions: 6,
    }));
    try {
      await Promise.all(processes.map((p) => new KafkaBus(p.kafka).ensureTopics(topics)));

      const admin = local.kafka.admin();
      await admin.connect();
      try {
        const { topics: described } = await admin.fetchTopicMetadata({
          topics: topics.map((t) => t.name),
        });
        expect(described.map((t) => t.partitions.length)).toEqual(topics.map(() => 6));
      } finally {
        await admin.disconnect();
      }
    } finally {
      await Promise.all(processes.map((p) => p.close()));
    }
  });

  it("creates a topic with its contract's retention, and gives it to one created before without it", async () => {
    const retentionOf = async (topic: string) => {
      const admin = local.kafka.admin();
      await admin.connect();
      try {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        });
        const entries = resources[0]?.configEntries ?? [];
        const value = (name: string) => entries.find((e) => e.configName === name)?.configValue;
        return {
          retention: value('retention.ms'),
          cleanup: value('cleanup.policy'),
          maxBytes: value('max.message.bytes'),
        };
      } finally {
        await admin.disconnect();
      }
    };
    // Namespaced, so that this test's task-events topic is its own.
    const fresh = new KafkaBus(local.kafka, { namespace: `retention-${randomUUID()}.` });
    await fresh.ensureTopics([{ name: Topics.taskEvents, partitions: 1 }]);
    expect((await retentionOf(fresh.physical(Topics.taskEvents))).retention).toBe('-1');

    // A topic made before with the cluster's retention and a setting of its own keeps the setting.
    const namespace = `retention-${randomUUID()}.`;
    const admin = local.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic: `${namespace}${Topics.taskEvents}`,
            numPartitions: 1,
            configEntries: [
              { name: 'retention.ms', value: '86400000' },
              { name: 'max.message.bytes', value: '2000000' },
            ],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await new KafkaBus(local.kafka, { namespace }).ensureTopics([
      { name: Topics.taskEvents, partitions: 1 },
    ]);
    expect(await retentionOf(`${namespace}${Topics.taskEvents}`)).toEqual({
      retention: '-1',
      cleanup: 'delete',
      maxBytes: '2000000',
    });

    // Topics without a retention of their own keep the cluster's.
    const other = `plain.${randomUUID()}`;
    await fresh.ensureTopics([{ name: other, partitions: 1 }]);
    expect((await retentionOf(fresh.physical(other))).retention).not.toBe('-1');
  });

  it("delivers each user's events in order across a member's stop, a rebalance and a restart", async () => {
    const publisher = new KafkaBus(local.kafka, { defaultPartitions: 3 });
    const members = [
      new KafkaBus(local.kafka),
      new KafkaBus(local.kafka),
      new KafkaBus(local.kafka),
    ];
    const topic = `order.${randomUUID()}`;
    const group = `order-${randomUUID()}`;
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const PER_USER = 60;
    await publisher.ensureTopics([{ name: topic, partitions: 3 }]);

    // What an idempotent, position-guarded projection sees: per user, the highest sequence applied.
    const applied = new Map<string, number>();
    const violations: string[] = [];
    let deliveries = 0;
    const handler = async (message: IncomingMessage): Promise<void> => {
      deliveries += 1;
      const seq = Number(message.value);
      const last = applied.get(message.key) ?? -1;
      if (seq <= last) return; // a redelivery after a rebalance: already applied
      if (seq !== last + 1) violations.push(`${message.key}: ${seq} arrived after ${last}`);
      applied.set(message.key, seq);
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    const [a, b, c] = members as [KafkaBus, KafkaBus, KafkaBus];
    await a.subscribe({ group, topics: [topic], handler });
    const stoppable = await b.subscribe({ group, topics: [topic], handler });

    const publishing = (async () => {
      for (let seq = 0; seq < PER_USER; seq++) {
        await publisher.publish(users.map((key) => ({ topic, key, value: String(seq) })));
        if (seq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await eventually(() => expect(deliveries).toBeGreaterThan(100), 30_000);
    await stoppable.stop(); // mid-stream: its partitions move to the other member
    await eventually(() => expect(deliveries).toBeGreaterThan(300), 30_000);
    await c.subscribe({ group, topics: [topic], handler }); // a restarted member joins: another rebalance
    await publishing;

    await eventually(() => {
      for (const user of users) expect([user, applied.get(user)]).toEqual([user, PER_USER - 1]);
    }, 60_000);
    expect(violations).toEqual([]);
    await Promise.all([publisher.close(), ...members.map((m) => m.close())]);
  }, 120_000);
});

describe('KafkaBus faults (real broker)', () => {
  let local: KafkaConnection;

  beforeAll(() => {
    local = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-faults',
    });
  });

  afterAll(async () => {
    await local.close();
  });

  /** The real client, with `patch` applied to each producer or consumer it makes. */
  function patched(patch: {
    producer?: (producer: Producer, index: number) => void;
    consumer?: (consumer: Consumer, index: number) => void;
  }): { kafka: Kafka; producers: Producer[]; consumers: Consumer[] } {
    const producers: Producer[] = [];
    const consumers: Consumer[] = [];
    const kafka = new Proxy(local.kafka, {
      get(target, property, receiver) {
        if (property === 'producer') {
          return (...args: Parameters<Kafka['producer']>) => {
            const producer = target.producer(...args);
            patch.producer?.(producer, producers.length);
            producers.push(producer);
            return producer;
          };
        }
        if (property === 'consumer') {
          return (...args: Parameters<Kafka['consumer']>) => {
            const consumer = target.consumer(...args);
            patch.consumer?.(consumer, consumers.length);
            consumers.push(consumer);
            return consumer;
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    return { kafka, producers, consumers };
  }

  it('maps the broker refusing a message for its size to MessageTooLargeError, and publishes on', async () => {
    const bus = new KafkaBus(local.kafka);
    const topic = `too-large.${randomUUID()}`;
    const admin = local.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [{ name: 'max.message.bytes', value: '2048' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    try {
      await bus.ensureTopics([{ name: topic, partitions: 1 }]);
      const refused = bus.publish([{ topic, key: 'k', value: 'x'.repeat(10_000) }]);

      await expect(refused).rejects.toBeInstanceOf(MessageTooLargeError);
      await expect(refused).rejects.toThrow(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);
      await expect(bus.publish([{ topic, key: 'k', value: 'small' }])).resolves.toBeUndefined();
    } finally {
      await bus.close();
    }
  });

  it('replaces a producer after a failed publish, so that the next publish goes through', async () => {
    const faulty = patched({
      producer: (producer, index) => {
        if (index > 0) return;
        // A producer the broker no longer takes (e.g. its idempotent sequence is out of order).
        producer.sendBatch = () =>
          Promise.reject(new KafkaJSNonRetriableError('OUT_OF_ORDER_SEQUENCE_NUMBER'));
      },
    });
    const bus = new KafkaBus(faulty.kafka);
    const topic = `rebuild.${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const received: string[] = [];
    await bus.subscribe({
      group: `rebuild-${randomUUID()}`,
      topics: [topic],
      handler: async (message) => {
        received.push(message.value);
      },
    });
    try {
      await expect(bus.publish([{ topic, key: 'k', value: 'lost' }])).rejects.toThrow(
        /OUT_OF_ORDER_SEQUENCE_NUMBER/,
      );
      await bus.publish([{ topic, key: 'k', value: 'through' }]);

      await eventually(() => expect(received).toEqual(['through']), 30_000);
      expect(faulty.producers).toHaveLength(2);
    } finally {
      await bus.close();
    }
  });

  it('starts a consumer again after a crash kafkajs does not recover from, and reports it', async () => {
    let failCommits = 1;
    const faulty = patched({
      consumer: (consumer) => {
        const commit = consumer.commitOffsets.bind(consumer);
        consumer.commitOffsets = async (offsets) => {
          if (failCommits > 0) {
            failCommits -= 1;
            // A bug around a handler: kafkajs deems a TypeError unrecoverable and stops the consumer.
            throw new TypeError("Cannot read properties of undefined (reading 'offset')");
          }
          return commit(offsets);
        };
      },
    });
    const bus = new KafkaBus(faulty.kafka, {
      restartPolicy: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    const topic = `crash.${randomUUID()}`;
    const group = `crash-${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const received: string[] = [];
    const crashes: boolean[] = [];
    const subscription = await bus.subscribe({
      group,
      topics: [topic],
      handler: async (message) => {
        received.push(message.value);
      },
    });
    const [first] = faulty.consumers as [Consumer];
    first.on(first.events.CRASH, ({ payload }) => crashes.push(payload.restart));
    try {
      await bus.publish([{ topic, key: 'k', value: 'first' }]);
      await eventually(() => expect(crashes).toEqual([false]), 30_000);
      await bus.publish([{ topic, key: 'k', value: 'second' }]);

      // 'first' was handled but not committed when the consumer crashed: delivered once more.
      await eventually(() => expect(received).toEqual(['first', 'first', 'second']), 30_000);
      expect(faulty.consumers).toHaveLength(2);
      await eventually(
        () =>
          expect(bus.subscriptionStatus()).toEqual([
            expect.objectContaining({ group, state: 'running', restarts: 1 }),
          ]),
        30_000,
      );
    } finally {
      await subscription.stop();
      await bus.close();
    }
  });
});
