import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { IncomingMessage } from '../bus/message-bus';
import { incoming } from './kafka.bus';

/** Where a read of a topic goes on from: the next offset of each partition. */
export type TopicCursor = Record<number, string>;

/** Messages of one partition's fetch, in offset order, and the cursor just after them. */
export interface TopicBatch {
  messages: IncomingMessage[];
  cursor: TopicCursor;
}

export interface KafkaTopicReaderOptions {
  /** The bus's namespace: `topic` is read as `<namespace><topic>`, the throwaway group named so too. */
  namespace?: string;
  /** How long the broker may go without hearing from the reader; a slow caller keeps it alive. */
  sessionTimeoutMs?: number;
}

/** How often a reader waiting for its caller tells the group it is alive. */
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Reads a topic's history: from the earliest offsets (or a cursor) up to the end as it is when the
 * read begins, then stops. For rebuilding read models from the bus (docs/progress.md,
 * "Rebuild"): it commits nothing, and its consumer group is a throwaway one, deleted at the end,
 * so no live consumer is affected. Order is per partition (per key), which is the only order
 * the bus has. The caller pulls: a batch is fetched after the one before was taken.
 */
export class KafkaTopicReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaTopicReaderOptions = {},
  ) {}

  /** The messages a read from `from` (from the earliest for null) would give now. */
  async size(topic: string, from: TopicCursor | null = null): Promise<number> {
    const ranges = await this.ranges(topic, from);
    return ranges.reduce((sum, r) => sum + Math.max(0, Number(r.end - r.start)), 0);
  }

  async *read(topic: string, from: TopicCursor | null = null): AsyncGenerator<TopicBatch> {
    const physical = `${this.options.namespace ?? ''}${topic}`;
    const ranges = await this.ranges(topic, from);
    const cursor: TopicCursor = Object.fromEntries(
      ranges.map((r) => [r.partition, r.start.toString()]),
    );
    const open = new Set(ranges.filter((r) => r.start < r.end).map((r) => r.partition));
    if (open.size === 0) return;
    const byPartition = new Map(ranges.map((r) => [r.partition, r]));

    const groupId = `${this.options.namespace ?? ''}history-reader-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
    });
    const channel = new Channel<TopicBatch>();
    await consumer.connect();
    try {
      consumer.on(consumer.events.CRASH, ({ payload }) => channel.fail(payload.error));
      await consumer.subscribe({ topic: physical, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, heartbeat, isRunning }) => {
          const range = byPartition.get(batch.partition);
          if (!range) return; // a partition added since the read began: after its end
          // From the cursor, also when a fetch began before the seek below took effect.
          const from = BigInt(cursor[batch.partition] ?? range.start);
          const inRange = batch.messages.filter((m) => {
            const offset = BigInt(m.offset);
            return offset >= from && offset < range.end;
          });
          const messages = inRange.map((m) => incoming(topic, batch.partition, m));
          const last = inRange.at(-1);
          if (last) cursor[batch.partition] = (BigInt(last.offset) + 1n).toString();
          const done = BigInt(cursor[batch.partition] ?? '0') >= range.end;
          if (done) {
            open.delete(batch.partition);
            consumer.pause([{ topic: physical, partitions: [batch.partition] }]);
          }
          if (messages.length > 0) {
            const taken = channel.push({ messages, cursor: { ...cursor } });
            while (isRunning() && !(await taken.within(HEARTBEAT_EVERY_MS))) await heartbeat();
          }
          if (open.size === 0) channel.end();
        },
      });
      // The read starts where asked: a fresh group would start at the earliest offsets.
      for (const range of ranges)
        consumer.seek({
          topic: physical,
          partition: range.partition,
          offset: range.start.toString(),
        });
      yield* channel;
    } finally {
      channel.end();
      await consumer.disconnect();
      await this.deleteGroup(groupId);
    }
  }

  private async ranges(
    topic: string,
    from: TopicCursor | null,
  ): Promise<{ partition: number; start: bigint; end: bigint }[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(`${this.options.namespace ?? ''}${topic}`);
      return offsets.map((o) => {
        const low = BigInt(o.low);
        const asked = from?.[o.partition];
        const start = asked === undefined ? low : BigInt(asked) > low ? BigInt(asked) : low;
        return { partition: o.partition, start, end: BigInt(o.high) };
      });
    } finally {
      await admin.disconnect();
    }
  }

  private async deleteGroup(groupId: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups([groupId]);
    } catch {
      // A group that never joined does not exist: nothing to delete.
    } finally {
      await admin.disconnect();
    }
  }
}

/** A hand-over from the consumer's callback to the reader's caller, one item at a time. */
class Channel<T> implements AsyncIterable<T> {
  private readonly items: { item: T; taken: () => void }[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;
  private error: Error | undefined;

  push(item: T): { within: (ms: number) => Promise<boolean> } {
    let taken = false;
    let resolveTaken: () => void = () => undefined;
    const whenTaken = new Promise<void>((resolve) => (resolveTaken = resolve));
    this.items.push({
      item,
      taken: () => {
        taken = true;
        resolveTaken();
      },
    });
    this.wake();
    return {
      within: async (ms) => {
        if (taken || this.ended) return true;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          whenTaken,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
        ]);
        clearTimeout(timer);
        return taken || this.ended;
      },
    };
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(error: Error): void {
    this.error = error;
    this.end();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const next = this.items.shift();
      if (next) {
        // Taken when the caller asks for the one after: it has finished with this one.
        yield next.item;
        next.taken();
        continue;
      }
      if (this.error) throw this.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}
