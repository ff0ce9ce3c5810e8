import { randomUUID } from 'node:crypto';
import { KafkaBus } from './kafka.bus';
import { KafkaConnection } from './kafka-connection';
import { KafkaTopicReader, type TopicBatch, type TopicCursor } from './kafka-topic-reader';

describe('KafkaTopicReader (real broker)', () => {
  let connection: KafkaConnection;
  let bus: KafkaBus;
  const namespace = `reader-${randomUUID()}.`;

  beforeAll(() => {
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-reader',
    });
    bus = new KafkaBus(connection.kafka, { namespace });
  });

  afterAll(async () => {
    await bus.close();
    await connection.close();
  });

  /** `count` messages over `keys` keys, numbered per key. */
  async function publish(topic: string, count: number, keys = 7, from = 0): Promise<void> {
    const messages = Array.from({ length: count }, (_, i) => ({
      topic,
      key: `user-${(from + i) % keys}`,
      value: String(from + i),
    }));
    for (let i = 0; i < messages.length; i += 200) await bus.publish(messages.slice(i, i + 200));
  }

  async function readAll(
    reader: KafkaTopicReader,
    topic: string,
    from: TopicCursor | null = null,
    onBatch: (batch: TopicBatch) => Promise<void> = async () => undefined,
  ): Promise<{ values: number[]; batches: TopicBatch[] }> {
    const values: number[] = [];
    const batches: TopicBatch[] = [];
    for await (const batch of reader.read(topic, from)) {
      batches.push(batch);
      values.push(...batch.messages.map((m) => Number(m.value)));
      await onBatch(batch);
    }
    return { values, batches };
  }

  it('reads a topic from the start to its end as of the read, each key in order, and stops', async () => {
    const topic = `history.${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    await publish(topic, 1_000);
    const reader = new KafkaTopicReader(connection.kafka, { namespace });

    expect(await reader.size(topic)).toBe(1_000);
    let publishedDuring = false;
    const { values } = await readAll(reader, topic, null, async () => {
      if (publishedDuring) return;
      publishedDuring = true;
      await publish(topic, 50, 7, 1_000); // after the read began: not part of it
    });

    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    for (let key = 0; key < 7; key++) {
      const ofKey = values.filter((v) => v % 7 === key);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
    expect(await reader.size(topic)).toBe(1_050);
  });

  it('goes on from a cursor with exactly the messages after it, and leaves no consumer group behind', async () => {
    const topic = `history.${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    await publish(topic, 600);
    const reader = new KafkaTopicReader(connection.kafka, { namespace });

    const first = await readAll(reader, topic);
    const middle = first.batches[Math.floor(first.batches.length / 2)];
    if (!middle) throw new Error('expected several batches');
    const before = first.batches.slice(0, first.batches.indexOf(middle) + 1);
    const seen = new Set(before.flatMap((b) => b.messages.map((m) => Number(m.value))));

    expect(await reader.size(topic, middle.cursor)).toBe(600 - seen.size);
    const rest = await readAll(reader, topic, middle.cursor);
    expect(rest.values.filter((v) => seen.has(v))).toEqual([]);
    expect(new Set([...seen, ...rest.values]).size).toBe(600);

    // A read from the end gives nothing and does not wait.
    const last = first.batches.at(-1);
    expect((await readAll(reader, topic, last?.cursor ?? null)).values).toEqual([]);

    const admin = connection.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups.filter((g) => g.groupId.startsWith(`${namespace}history-reader-`))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('stops its consumer when the caller stops early', async () => {
    const topic = `history.${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    await publish(topic, 300);
    const reader = new KafkaTopicReader(connection.kafka, { namespace });
    let batches = 0;
    for await (const batch of reader.read(topic)) {
      expect(batch.messages.length).toBeGreaterThan(0);
      batches += 1;
      break;
    }
    expect(batches).toBe(1);
    // Read again in full: the early stop left nothing in a bad state.
    expect((await readAll(reader, topic)).values).toHaveLength(300);
  });
});
