import { Logger } from '@nestjs/common';
import {
  MessageBus,
  type IncomingMessage,
  type OutgoingMessage,
  type Subscription,
  type SubscriptionOptions,
  type TopicSpec,
} from '../bus/message-bus';
import { deadLetter, handleWithRetries, retryPolicy } from '../bus/retrying-handler';

interface Delivery {
  message: IncomingMessage;
  done: () => void;
}

/** One group's queue for one partition of one topic: handled strictly in order. */
class PartitionQueue {
  private readonly items: Delivery[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle: (() => void) | undefined;

  constructor(private readonly process: (message: IncomingMessage) => Promise<void>) {}

  push(delivery: Delivery): void {
    this.items.push(delivery);
    if (!this.running) {
      this.running = true;
      this.idle = new Promise((resolve) => (this.resolveIdle = resolve));
      void this.drain();
    }
  }

  whenIdle(): Promise<void> {
    return this.idle;
  }

  private async drain(): Promise<void> {
    for (let item = this.items.shift(); item; item = this.items.shift()) {
      await this.process(item.message);
      item.done();
    }
    this.running = false;
    this.resolveIdle?.();
  }
}

interface Group {
  options: SubscriptionOptions;
  queues: Map<string, PartitionQueue>;
  stopped: boolean;
}

/** FNV-1a: a stable key-to-partition hash, so one key always lands on one partition. */
function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/**
 * The embedded mode's bus, with Kafka's semantics inside one process: topics with partitions, one
 * key's messages in order, consumer groups, retries with backoff, then the group's dead-letter
 * topic. `publish` resolves once every subscribed group has handled (or dead-lettered) each
 * message: durability comes from the publisher's outbox, which records its position only then.
 * Dead letters are kept (the newest 1,000 per topic) for inspection.
 */
export class InProcessBus extends MessageBus {
  readonly transport = 'in-process' as const;
  private readonly logger = new Logger('InProcessBus');
  private readonly partitions = new Map<string, number>();
  private readonly offsets = new Map<string, number>();
  private readonly groups = new Set<Group>();
  private readonly retained = new Map<string, IncomingMessage[]>();
  private closed = false;

  constructor(private readonly defaultPartitions = 3) {
    super();
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const topic of topics) {
      if (!this.partitions.has(topic.name)) this.partitions.set(topic.name, topic.partitions);
    }
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
    const handled: Promise<void>[] = [];
    for (const outgoing of messages) {
      const partitions = this.partitions.get(outgoing.topic);
      if (partitions === undefined) {
        throw new Error(
          `topic ${outgoing.topic} does not exist; create it with ensureTopics first`,
        );
      }
      const partition = partitionOf(outgoing.key, partitions);
      const offsetKey = `${outgoing.topic}:${partition}`;
      const offset = this.offsets.get(offsetKey) ?? 0;
      this.offsets.set(offsetKey, offset + 1);
      const message: IncomingMessage = {
        topic: outgoing.topic,
        partition,
        offset: String(offset),
        key: outgoing.key,
        value: outgoing.value,
        headers: { ...outgoing.headers },
      };
      if (outgoing.topic.includes('.dlq.')) this.retain(message);
      for (const group of this.groups) {
        if (group.stopped || !group.options.topics.includes(outgoing.topic)) continue;
        handled.push(
          new Promise<void>((done) => this.queueFor(group, offsetKey).push({ message, done })),
        );
      }
    }
    await Promise.all(handled);
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    for (const topic of options.topics) {
      if (!this.partitions.has(topic)) {
        throw new Error(`topic ${topic} does not exist; create it with ensureTopics first`);
      }
      await this.ensureTopics([
        {
          name: `${topic}.dlq.${options.group}`,
          partitions: this.partitions.get(topic) ?? this.defaultPartitions,
        },
      ]);
    }
    const group: Group = { options, queues: new Map(), stopped: false };
    this.groups.add(group);
    return {
      stop: async () => {
        group.stopped = true;
        await Promise.all([...group.queues.values()].map((queue) => queue.whenIdle()));
        this.groups.delete(group);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.groups].map(async (group) => {
        group.stopped = true;
        await Promise.all([...group.queues.values()].map((queue) => queue.whenIdle()));
      }),
    );
    this.groups.clear();
  }

  /** The dead-lettered messages of a topic (newest last), as a DLQ reader would see them. */
  deadLetters(topic: string): IncomingMessage[] {
    return [...(this.retained.get(topic) ?? [])];
  }

  private queueFor(group: Group, partitionKey: string): PartitionQueue {
    let queue = group.queues.get(partitionKey);
    if (!queue) {
      const policy = retryPolicy(group.options.retry);
      queue = new PartitionQueue(async (message) => {
        const outcome = await handleWithRetries(message, group.options.handler, policy);
        if (!outcome.ok) {
          this.logger.warn(
            `${group.options.group}: dead-lettering ${message.topic}/${message.partition}@${message.offset} after ${outcome.attempts} attempt(s): ${outcome.error.message}`,
          );
          await this.publish([deadLetter(message, group.options.group, outcome)]);
        }
      });
      group.queues.set(partitionKey, queue);
    }
    return queue;
  }

  private retain(message: IncomingMessage): void {
    const list = this.retained.get(message.topic) ?? [];
    list.push(message);
    if (list.length > 1000) list.shift();
    this.retained.set(message.topic, list);
  }
}
