import { randomUUID } from 'node:crypto';
import { until } from '@studypath/testing';
import { KafkaBus } from './kafka.bus';
import { KafkaConnection } from './kafka-connection';
import { readConsumerLag } from './consumer-lag';

/** An error the bus retries for as long as it takes (a dependency away), holding its partition. */
class DependencyAway extends Error {
  readonly transient = true;
}

describe('readConsumerLag (real broker)', () => {
  let connection: KafkaConnection;
  let bus: KafkaBus;

  beforeAll(() => {
    connection = new KafkaConnection({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'studypath-consumer-lag',
    });
    bus = new KafkaBus(connection.kafka, {
      defaultPartitions: 3,
      namespace: `lag${randomUUID().slice(0, 8)}.`,
    });
  });

  afterAll(async () => {
    await bus.close();
    await connection.close();
  });

  it("reports each partition's high watermark minus the group's committed offset, without the namespace", async () => {
    const topic = `lag.${randomUUID()}`;
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    // One key: all five on one partition.
    await bus.publish(
      Array.from({ length: 5 }, (_, i) => ({ topic, key: 'one-user', value: String(i) })),
    );
    let available = false;
    const handled: string[] = [];
    await bus.subscribe({
      group: 'lagging',
      topics: [topic],
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      handler: async (message) => {
        // The first two are handled; the third waits for its dependency, holding the partition.
        if (message.value === '2' && !available) throw new DependencyAway('away');
        handled.push(message.value);
      },
    });
    const admin = await connection.connectedAdmin();

    const waiting = await until(
      async () => {
        const samples = await readConsumerLag(admin, bus);
        return samples.some((s) => s.value === 3) && samples;
      },
      'the lag of the held partition to be 3',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(waiting).toHaveLength(3);
    for (const sample of waiting) {
      expect(sample.labels).toMatchObject({ group: 'lagging', topic });
      expect(sample.value === 3 || sample.value === 0).toBe(true);
    }
    expect(handled).toEqual(['0', '1']);

    available = true;
    await until(
      async () => (await readConsumerLag(admin, bus)).every((s) => s.value === 0),
      'the lag to come down to 0 once the dependency is back',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(handled).toEqual(['0', '1', '2', '3', '4']);
  }, 120_000);
});
