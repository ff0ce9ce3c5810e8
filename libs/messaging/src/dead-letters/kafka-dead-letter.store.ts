import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { classifyError } from '../bus/error-classification';
import { deadLetterTopic } from '../bus/message-bus';
import type { KafkaBus } from '../kafka/kafka.bus';
import {
  DeadLetterStore,
  type DeadLetter,
  type DeadLetterQueueRef,
  type DeadLetterQueueSummary,
} from './dead-letter.store';
import { replayHeaders } from './postgres-dead-letter.store';

const DLQ_MARK = '.dlq.';

/** The queue a dead-letter topic (without the namespace) holds, or undefined for other topics. */
export function queueOfTopic(topic: string): DeadLetterQueueRef | undefined {
  const at = topic.lastIndexOf(DLQ_MARK);
  if (at <= 0 || at + DLQ_MARK.length >= topic.length) return undefined;
  return { topic: topic.slice(0, at), group: topic.slice(at + DLQ_MARK.length) };
}

interface PartitionRange {
  partition: number;
  /** The first offset to read. */
  from: bigint;
  /** One past the last offset to read (the high watermark when the command started). */
  until: bigint;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(',') : value.toString();
  }
  return headers;
}

/**
 * Dead letters on Kafka: the `<topic>.dlq.<group>` topics. Replaying reads a queue in the consumer
 * group `<group>.dlq-replay`, publishes each dead letter back to its original topic (same key, so
 * the same partition) marked for its group alone (`x-dlq-replay-for`: every other group skips the
 * copy), and commits the replay group's offset after each publish: a replay picks up where the last
 * one ended, so nothing is replayed twice, except a message whose publish was not committed when a
 * replay crashed (its group's consumer is idempotent).
 */
/** Tries of one admin read before its transient error is given up on (about 15 s in all). */
const ADMIN_ATTEMPTS = 8;

export class KafkaDeadLetterStore extends DeadLetterStore {
  constructor(
    private readonly kafka: Kafka,
    private readonly bus: KafkaBus,
    private readonly options: {
      /** How long a read or replay may wait for the broker before it fails. */
      waitMs?: number;
      /** Runs after the store closed its bus, e.g. to close the connection. */
      onClose?: () => Promise<void>;
    } = {},
  ) {
    super();
  }

  async list(filter: Partial<DeadLetterQueueRef> = {}): Promise<DeadLetterQueueSummary[]> {
    return this.withAdmin(async (admin) => {
      const namespace = this.bus.physical('');
      const queues = (await admin.listTopics())
        .filter((physical) => physical.startsWith(namespace))
        .map((physical) => queueOfTopic(this.bus.logical(physical)))
        .filter((queue): queue is DeadLetterQueueRef => queue !== undefined)
        .filter(
          (queue) =>
            (filter.group === undefined || queue.group === filter.group) &&
            (filter.topic === undefined || queue.topic === filter.topic),
        )
        .sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic));
      const summaries: DeadLetterQueueSummary[] = [];
      for (const queue of queues) {
        const ranges = await this.ranges(admin, queue);
        let total = 0n;
        let pending = 0n;
        for (const range of ranges.all) total += range.until - range.low;
        for (const range of ranges.pending) pending += range.until - range.from;
        summaries.push({
          ...queue,
          total: Number(total),
          pending: Number(pending),
          replayed: Number(total - pending),
        });
      }
      return summaries;
    });
  }

  async show(queue: DeadLetterQueueRef, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? 100;
    const { all, committed } = await this.withAdmin((admin) => this.ranges(admin, queue));
    const letters: DeadLetter[] = [];
    const reader = this.bus.physical(`${queue.group}.dlq-show-${randomUUID()}`);
    try {
      await this.read(
        reader,
        queue,
        all.map(({ partition, low, until }) => ({ partition, from: low, until })),
        async (partition, message) => {
          if (letters.length >= limit) return false;
          letters.push({
            ...queue,
            id: `${partition}:${message.offset}`,
            key: message.key?.toString('utf8') ?? '',
            value: message.value?.toString('utf8') ?? '',
            headers: headersOf(message),
            replayed: BigInt(message.offset) < (committed.get(partition) ?? 0n),
          });
          return true;
        },
      );
    } finally {
      await this.withAdmin((admin) => admin.deleteGroups([reader])).catch(() => undefined);
    }
    return letters.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  }

  async replay(queue: DeadLetterQueueRef, options: { limit?: number } = {}): Promise<number> {
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    const { pending } = await this.withAdmin((admin) => this.ranges(admin, queue));
    let replayed = 0;
    await this.read(
      this.replayGroup(queue.group),
      queue,
      pending,
      async (partition, message, commit) => {
        if (replayed >= limit) return false;
        await this.bus.publish([
          {
            topic: queue.topic,
            key: message.key?.toString('utf8') ?? '',
            value: message.value?.toString('utf8') ?? '',
            headers: {
              ...replayHeaders(headersOf(message), queue.group),
              'x-dlq-replayed-from': `${deadLetterTopic(queue.topic, queue.group)}/${partition}@${message.offset}`,
            },
          },
        ]);
        await commit();
        replayed += 1;
        return true;
      },
    );
    return replayed;
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.options.onClose?.();
  }

  private replayGroup(group: string): string {
    return this.bus.physical(`${group}.dlq-replay`);
  }

  /** Each partition's retained range, and the part the replay group has not replayed yet. */
  private async ranges(
    admin: Admin,
    queue: DeadLetterQueueRef,
  ): Promise<{
    all: (PartitionRange & { low: bigint })[];
    pending: PartitionRange[];
    committed: Map<number, bigint>;
  }> {
    const topic = this.bus.physical(deadLetterTopic(queue.topic, queue.group));
    const offsets = await admin.fetchTopicOffsets(topic);
    const [replayed] = await admin.fetchOffsets({
      groupId: this.replayGroup(queue.group),
      topics: [topic],
    });
    const committed = new Map<number, bigint>();
    for (const { partition, offset } of replayed?.partitions ?? []) {
      if (BigInt(offset) >= 0n) committed.set(partition, BigInt(offset));
    }
    const all = offsets
      .map(({ partition, low, high }) => ({
        partition,
        low: BigInt(low),
        from: BigInt(low),
        until: BigInt(high),
      }))
      .sort((a, b) => a.partition - b.partition);
    const pending = all.map(({ partition, low, until }) => {
      const done = committed.get(partition) ?? low;
      const from = done > low ? (done < until ? done : until) : low;
      return { partition, from, until };
    });
    return { all, pending, committed };
  }

  /**
   * Reads the ranges of a dead-letter topic in consumer group `groupId`, in order per partition,
   * until each range is read or `visit` says stop. `commit` records the message as read for the
   * group (the replay group's progress).
   */
  private async read(
    groupId: string,
    queue: DeadLetterQueueRef,
    ranges: PartitionRange[],
    visit: (
      partition: number,
      message: KafkaMessage,
      commit: () => Promise<void>,
    ) => Promise<boolean>,
  ): Promise<void> {
    const next = new Map(ranges.map((r) => [r.partition, r.from]));
    const until = new Map(ranges.map((r) => [r.partition, r.until]));
    const finished = (): boolean =>
      [...next].every(([partition, offset]) => offset >= (until.get(partition) ?? 0n));
    if (finished()) return;
    let stop: () => void = () => undefined;
    let fail: (error: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      stop = resolve;
      fail = reject;
    });
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
    });
    const timer = setTimeout(
      () =>
        fail(
          new Error(
            `reading ${deadLetterTopic(queue.topic, queue.group)} did not finish within ${this.options.waitMs ?? 60_000} ms (is another replay of it running?)`,
          ),
        ),
      this.options.waitMs ?? 60_000,
    );
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: [this.bus.physical(deadLetterTopic(queue.topic, queue.group))],
        fromBeginning: true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, pause }) => {
          try {
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              const end = until.get(batch.partition) ?? 0n;
              if (offset >= end) break;
              const commit = (): Promise<void> =>
                consumer.commitOffsets([
                  { topic: batch.topic, partition: batch.partition, offset: String(offset + 1n) },
                ]);
              if (!(await visit(batch.partition, message, commit))) {
                stop();
                return;
              }
              resolveOffset(message.offset);
              next.set(batch.partition, offset + 1n);
              await heartbeat();
            }
            if ((next.get(batch.partition) ?? 0n) >= (until.get(batch.partition) ?? 0n)) pause();
            if (finished()) stop();
          } catch (error) {
            fail(error);
          }
        },
      });
      await done;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
    }
  }

  /**
   * Runs admin reads, again on a transient broker answer: a dead-letter topic created a moment ago
   * may have no leader yet ("This server is not the leader for that topic-partition").
   */
  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        return await work(admin);
      } catch (error) {
        if (attempt >= ADMIN_ATTEMPTS || classifyError(error) !== 'transient') throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 3_000)));
      } finally {
        await admin.disconnect();
      }
    }
  }
}
