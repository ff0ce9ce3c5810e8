import type { Sample } from '@studypath/platform';
import type { Admin } from 'kafkajs';
import type { KafkaBus } from './kafka.bus';

/**
 * The lag of every consumer group of this process, per topic and partition: the partition's high
 * watermark minus the group's committed offset (a group that committed nothing yet starts at the
 * beginning: minus the low watermark). Two requests per topic and group; names without the
 * namespace, as the application knows them.
 */
export async function readConsumerLag(
  admin: Admin,
  bus: KafkaBus,
): Promise<Sample<'group' | 'topic' | 'partition'>[]> {
  const subscriptions = bus.subscriptionStatus().filter((s) => s.state !== 'stopped');
  const topics = [...new Set(subscriptions.flatMap((s) => s.topics))];
  const watermarks = new Map<string, Map<number, { high: bigint; low: bigint }>>();
  await Promise.all(
    topics.map(async (topic) => {
      const offsets = await admin.fetchTopicOffsets(bus.physical(topic));
      watermarks.set(
        topic,
        new Map(offsets.map((o) => [o.partition, { high: BigInt(o.high), low: BigInt(o.low) }])),
      );
    }),
  );
  const committed = await Promise.all(
    subscriptions.map(async (s) => ({
      group: s.group,
      topics: await admin.fetchOffsets({
        groupId: bus.physical(s.group),
        topics: s.topics.map((t) => bus.physical(t)),
      }),
    })),
  );
  const samples: Sample<'group' | 'topic' | 'partition'>[] = [];
  for (const { group, topics: byTopic } of committed) {
    for (const { topic: physical, partitions } of byTopic) {
      const topic = bus.logical(physical);
      for (const { partition, offset } of partitions) {
        const marks = watermarks.get(topic)?.get(partition);
        if (!marks) continue;
        const position = BigInt(offset) >= 0n ? BigInt(offset) : marks.low;
        const lag = marks.high > position ? marks.high - position : 0n;
        samples.push({ labels: { group, topic, partition }, value: Number(lag) });
      }
    }
  }
  return samples;
}
