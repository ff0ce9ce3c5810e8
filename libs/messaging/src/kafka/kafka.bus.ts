import { Logger } from '@nestjs/common';
import {
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import {
  deadLetterTopic,
  MessageBus,
  type IncomingMessage,
  type OutgoingMessage,
  type Subscription,
  type SubscriptionOptions,
  type TopicSpec,
} from '../bus/message-bus';
import { deadLetter, handleWithRetries, retryPolicy } from '../bus/retrying-handler';

export interface KafkaBusOptions {
  /**
   * Prefixed to every topic and consumer group this bus touches (e.g. `staging.`): several
   * environments, or parallel test runs, share one cluster without seeing each other.
   */
  namespace?: string;
  /** Partitions of dead-letter topics (and of topics created without a count). */
  defaultPartitions?: number;
  /** Kafka's own limit for a consumer's silence before the group drops it. */
  sessionTimeoutMs?: number;
}

const LEADER_WAIT_MS = 30_000;

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own `waitForLeaders` gives up
 * when the broker does not know a topic it has just created yet ("This server does not host this
 * topic-partition", which a busy KRaft broker answers for a moment): here that is retried too.
 */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics });
      const led = described.every(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (led && described.length === topics.length) return;
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`the topics ${topics.join(', ')} have no leaders after ${LEADER_WAIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    result[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return result;
}

function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers: headersOf(message.headers),
  };
}

/**
 * The bus on Apache Kafka (kafkajs). An idempotent producer that waits for all in-sync replicas;
 * one consumer per group and subscription that handles each partition in order (`eachBatch` with
 * heartbeats), commits an offset only after its handler has returned (its transaction committed),
 * retries with backoff, then dead-letters to `<topic>.dlq.<group>` and moves on. Stopping drains
 * the message in hand and commits what was handled.
 */
export class KafkaBus extends MessageBus {
  readonly transport = 'kafka' as const;
  private readonly logger = new Logger('KafkaBus');
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private readonly subscriptions = new Set<Subscription>();
  private readonly knownTopics = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaBusOptions = {},
  ) {
    super();
  }

  async ensureTopics(logical: TopicSpec[]): Promise<void> {
    const topics = logical.map((t) => ({ ...t, name: this.physical(t.name) }));
    const missing = topics.filter((t) => !this.knownTopics.has(t.name));
    if (missing.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const toCreate = missing.filter((t) => !existing.has(t.name));
      if (toCreate.length > 0) {
        // Another process may create the same topics at the same time: that is no error.
        await admin.createTopics({
          waitForLeaders: false, // waited for below, with the retries kafkajs lacks
          topics: toCreate.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
        });
      }
      await waitForLeaders(
        admin,
        missing.map((t) => t.name),
      );
      for (const topic of missing) this.knownTopics.add(topic.name);
    } finally {
      await admin.disconnect();
    }
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push(message);
      byTopic.set(message.topic, list);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic: this.physical(topic),
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const policy = retryPolicy(options.retry);
    const partitions = this.options.defaultPartitions ?? 3;
    await this.ensureTopics(options.topics.map((topic) => ({ name: topic, partitions })));
    await this.ensureTopics(
      options.topics.map((topic) => ({ name: deadLetterTopic(topic, options.group), partitions })),
    );

    const consumer: Consumer = this.kafka.consumer({
      groupId: this.physical(options.group),
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: options.topics.map((t) => this.physical(t)),
      fromBeginning: true,
    });

    const eachBatch = async ({
      batch,
      resolveOffset,
      heartbeat,
      isRunning,
      isStale,
    }: EachBatchPayload) => {
      let handled: string | undefined;
      try {
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          const delivered = incoming(this.logical(batch.topic), batch.partition, message);
          const outcome = await handleWithRetries(delivered, options.handler, policy, {
            whileWaiting: heartbeat,
            shouldContinue: isRunning,
          });
          if (!outcome.ok) {
            if (!isRunning()) break; // Shutting down mid-retry: leave it for the next owner.
            this.logger.warn(
              `${options.group}: dead-lettering ${batch.topic}/${batch.partition}@${message.offset} after ${outcome.attempts} attempt(s): ${outcome.error.message}`,
            );
            await this.publish([deadLetter(delivered, options.group, outcome)]);
          }
          resolveOffset(message.offset);
          handled = message.offset;
          await heartbeat();
        }
      } finally {
        if (handled !== undefined) {
          await consumer.commitOffsets([
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: (BigInt(handled) + 1n).toString(),
            },
          ]);
        }
      }
    };

    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionConcurrency ?? 1,
      eachBatch,
    });

    const subscription: Subscription = {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await consumer.disconnect();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const producer = this.producer;
    this.producer = undefined;
    this.producerReady = undefined;
    await producer?.disconnect();
  }

  private physical(name: string): string {
    return `${this.options.namespace ?? ''}${name}`;
  }

  private logical(name: string): string {
    const namespace = this.options.namespace ?? '';
    return name.startsWith(namespace) ? name.slice(namespace.length) : name;
  }

  private connectedProducer(): Promise<Producer> {
    this.producerReady ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        // Bounded, so that a broker outage fails the relay's publish (which then retries the batch)
        // instead of hanging it. A resend may duplicate a message; consumers are idempotent.
        retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().catch((error: unknown) => {
      this.producerReady = undefined;
      throw error;
    });
    return this.producerReady;
  }
}
