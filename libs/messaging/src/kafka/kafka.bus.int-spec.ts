import { randomUUID } from 'node:crypto';
import { describeBusContract, eventually } from '../bus/bus.contract-suite';
import type { IncomingMessage } from '../bus/message-bus';
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
