import { Logger } from '@nestjs/common';
import { topicRetentionMs } from '@studypath/contracts';
import {
  ConfigResourceTypes,
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
  MessageTooLargeError,
  type IncomingMessage,
  type OutgoingMessage,
  type RetryPolicy,
  type Subscription,
  type SubscriptionOptions,
  type SubscriptionStatus,
  type TopicSpec,
} from '../bus/message-bus';
import {
  asError,
  backoffDelay,
  deadLetter,
  decideOnFailure,
  isReplayForAnotherGroup,
  retryPolicy,
  sleep,
} from '../bus/retrying-handler';

/** Kafka's config source of a setting made on the topic itself (DescribeConfigs). */
const DYNAMIC_TOPIC_CONFIG = 1;

export interface KafkaBusOptions {
  /**
   * Prefixed to every topic and consumer group this bus touches (e.g. `staging.`): several
   * environments, or parallel test runs, share one cluster without seeing each other.
   */
  namespace?: string;
  /** Partitions of dead-letter topics (and of topics created without a count). */
  defaultPartitions?: number;
  /**
   * How long the group waits for a silent member before it hands the member's partitions to the
   * others: after a SIGKILL, its partitions are consumed again this long after (plus a rebalance).
   * See docs/event-store-and-messaging.md for the trade-off.
   */
  sessionTimeoutMs?: number;
  /** How often a member tells the group it is alive (also while a handler runs); under a third of the session. */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to finish the message in hand; above the longest handler. */
  rebalanceTimeoutMs?: number;
  /**
   * The most one publish sends. A larger one fails with MessageTooLargeError (this limit) before
   * it reaches the broker, whose own limit per partition batch is 1,048,588 bytes by default.
   */
  maxBatchBytes?: number;
  /** Backoff of starting a consumer again after a crash kafkajs does not recover from itself. */
  restartPolicy?: { initialDelayMs: number; maxDelayMs: number };
}

export const KAFKA_CONSUMER_DEFAULTS = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 60_000,
} as const;

/** Under the broker's default `message.max.bytes` (1,048,588), with room for batch overhead. */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;

const LEADER_WAIT_MS = 30_000;

/** What a record costs on the wire beyond its key, value and headers (an upper estimate). */
const RECORD_OVERHEAD_BYTES = 64;

const BROKER_SIZE_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** The group answers that mean "a rebalance is under way": finish the message in hand, then rejoin. */
const REBALANCE_ANSWERS = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

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

/** A fetched Kafka message as the bus hands it over. */
export function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value?.toString('utf8') ?? '',
    headers: headersOf(message.headers),
  };
}

/** An upper estimate of a message's size in a produce request. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes =
    RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  }
  return bytes;
}

/** The broker's refusal of a publish for its size, found anywhere in kafkajs's error chain. */
function sizeRefusal(error: unknown): MessageTooLargeError | undefined {
  for (let link: unknown = error, depth = 0; link && depth < 10; depth++) {
    const { type, cause } = link as { type?: unknown; cause?: unknown };
    if (typeof type === 'string' && BROKER_SIZE_REFUSALS.has(type)) {
      return new MessageTooLargeError(
        `the broker refused the publish for its size (${type})`,
        undefined,
        { cause: error },
      );
    }
    link = cause;
  }
  return undefined;
}

function isRebalanceAnswer(error: unknown): boolean {
  const { type, name } = error as { type?: unknown; name?: unknown };
  return (
    (typeof type === 'string' && REBALANCE_ANSWERS.has(type)) || name === 'KafkaJSNotCoordinator'
  );
}

/**
 * Keeps a member in its group while a handler runs (a submission's evaluation takes seconds):
 * kafkajs only heartbeats between batches, or when asked. Notes a rebalance, so that the batch
 * ends after the message in hand and the member rejoins.
 */
class HeartbeatWhileHandling {
  private timer: NodeJS.Timeout | undefined;
  rebalancing = false;

  constructor(
    private readonly heartbeat: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  async during<T>(work: Promise<T>): Promise<T> {
    this.timer = setInterval(() => {
      this.heartbeat().catch((error: unknown) => {
        if (isRebalanceAnswer(error)) this.rebalancing = true;
      });
    }, this.intervalMs);
    try {
      return await work;
    } finally {
      clearInterval(this.timer);
    }
  }
}

interface RetryState {
  offset: string;
  attempts: number;
}

/**
 * One subscription: its kafkajs consumer, started again after a crash, and the partitions it holds
 * back while a message waits for its next attempt.
 *
 * Why pause and not wait inside the handler: kafkajs fetches again only once every batch of its
 * last fetch is done (a fetcher per broker waits for its worker queue), so a batch that waited for
 * a retry would hold back every partition, and a rebalance would wait for it. A failing message
 * instead leaves its offset unresolved, its partition is paused (`pause()` of eachBatch) and
 * resumed after the backoff; kafkajs then fetches that partition from the unresolved offset again.
 */
class KafkaSubscription implements Subscription {
  private readonly logger: Logger;
  private readonly policy: RetryPolicy;
  private readonly retrying = new Map<string, RetryState>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly stopping = new AbortController();
  private consumer: Consumer | undefined;
  private restartLoop: Promise<void> | undefined;
  private crashPending = false;
  private state: SubscriptionStatus['state'] = 'running';
  private restarts = 0;
  private lastError: string | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly bus: KafkaBus,
    private readonly options: SubscriptionOptions,
    private readonly settings: {
      groupId: string;
      topics: string[];
      logical: (topic: string) => string;
      sessionTimeoutMs: number;
      heartbeatIntervalMs: number;
      rebalanceTimeoutMs: number;
      restartPolicy: { initialDelayMs: number; maxDelayMs: number };
    },
  ) {
    this.logger = new Logger(`KafkaBus:${options.group}`);
    this.policy = retryPolicy(options.retry);
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      rebalanceTimeout: this.settings.rebalanceTimeoutMs,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(consumer, payload));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer !== consumer || this.state !== 'restarting') return;
      this.logger.log(`${this.options.group}: consuming again after a crash`);
      this.state = 'running';
      this.lastError = undefined;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.settings.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionConcurrency ?? 1,
        eachBatch: (payload) => this.eachBatch(consumer, payload),
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.state = 'stopped';
    this.clearResumeTimers();
    await this.restartLoop;
    await this.consumer?.disconnect();
  }

  status(): SubscriptionStatus {
    return {
      group: this.options.group,
      topics: this.options.topics,
      state: this.state,
      restarts: this.restarts,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      retryingPartitions: this.retrying.size,
    };
  }

  /**
   * kafkajs starts a consumer again by itself after a crash it deems retriable (`restart`), and
   * leaves it stopped otherwise (a bug in a handler's surroundings, a protocol error): then it is
   * started here, as a new consumer, with backoff, until it runs or the subscription stops.
   */
  private onCrash(consumer: Consumer, crash: { error: Error; restart: boolean }): void {
    if (this.stopping.signal.aborted || consumer !== this.consumer) return;
    this.state = 'restarting';
    this.lastError = `${crash.error.name}: ${crash.error.message}`;
    this.restarts += 1;
    this.clearResumeTimers(); // the paused partitions were this consumer's
    this.retrying.clear();
    if (crash.restart) {
      this.logger.warn(
        `${this.options.group}: the consumer crashed (${this.lastError}); kafkajs starts it again`,
      );
      return;
    }
    this.logger.error(
      `${this.options.group}: the consumer crashed (${this.lastError}); starting a new one`,
    );
    this.crashPending = true;
    this.restartLoop ??= this.restartAfterCrash().finally(() => (this.restartLoop = undefined));
  }

  private async restartAfterCrash(): Promise<void> {
    const policy = { ...this.settings.restartPolicy, retries: 0 };
    for (let attempt = 1; this.crashPending; attempt++) {
      this.crashPending = false;
      if (!(await sleep(backoffDelay(attempt, policy), this.stopping.signal))) return;
      await this.consumer?.disconnect().catch(() => undefined);
      try {
        await this.start();
      } catch (error) {
        this.lastError = `${asError(error).name}: ${asError(error).message}`;
        this.logger.warn(
          `${this.options.group}: starting the consumer again failed: ${this.lastError}`,
        );
        this.crashPending = true;
      }
    }
  }

  private async eachBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause } = payload;
    const partitionKey = `${batch.topic}|${batch.partition}`;
    const beat = new HeartbeatWhileHandling(heartbeat, this.settings.heartbeatIntervalMs);
    const group = this.options.group;
    let handled: string | undefined;
    const done = (offset: string): void => {
      resolveOffset(offset);
      handled = offset;
    };
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || beat.rebalancing) break;
        const delivered = incoming(this.settings.logical(batch.topic), batch.partition, message);
        if (isReplayForAnotherGroup(delivered, group)) {
          done(message.offset);
          continue;
        }
        const earlier = this.retrying.get(partitionKey);
        const attempts = earlier?.offset === message.offset ? earlier.attempts + 1 : 1;
        let failure: Error;
        try {
          await beat.during(this.options.handler(delivered));
          this.retrying.delete(partitionKey);
          done(message.offset);
          continue;
        } catch (thrown) {
          failure = asError(thrown);
        }
        if (!isRunning()) break; // shutting down: the message is left for the next owner
        const decision = decideOnFailure(failure, attempts, this.policy);
        const where = `${batch.topic}/${batch.partition}@${message.offset}`;
        if (decision.action === 'retry') {
          this.retryLater(
            partitionKey,
            { offset: message.offset, attempts },
            decision.delayMs,
            pause,
          );
          if (attempts === 1 || attempts % 10 === 0) {
            this.logger.warn(
              `${group}: ${where} failed (${decision.errorClass}, attempt ${attempts}), its partition waits ${Math.round(decision.delayMs)} ms: ${failure.message}`,
            );
          }
          break;
        }
        this.logger.warn(
          `${group}: dead-lettering ${where} after ${attempts} attempt(s) (${decision.errorClass}): ${failure.message}`,
        );
        try {
          await this.bus.publish([
            deadLetter(delivered, group, {
              error: failure,
              attempts,
              errorClass: decision.errorClass,
            }),
          ]);
        } catch (publishError) {
          // The broker is away: the message stays where it is and is tried again later.
          const delay = backoffDelay(attempts, this.policy);
          this.retryLater(partitionKey, { offset: message.offset, attempts }, delay, pause);
          this.logger.warn(
            `${group}: dead-lettering ${where} failed: ${asError(publishError).message}`,
          );
          break;
        }
        this.options.onDeadLettered?.(delivered);
        this.retrying.delete(partitionKey);
        done(message.offset);
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
  }

  private retryLater(
    partitionKey: string,
    state: RetryState,
    delayMs: number,
    pause: () => () => void,
  ): void {
    this.retrying.set(partitionKey, state);
    const resume = pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delayMs);
    this.resumeTimers.add(timer);
  }

  private clearResumeTimers(): void {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
  }
}

/**
 * The bus on Apache Kafka (kafkajs). An idempotent producer that waits for all in-sync replicas,
 * rebuilt after a failed publish; one consumer per group and subscription that handles each
 * partition in order (`eachBatch`, heartbeats while a handler runs), commits an offset only after
 * its handler has returned (its transaction committed), retries a failing message with backoff
 * while only its partition waits (transient failures for as long as it takes), dead-letters what
 * cannot be handled to `<topic>.dlq.<group>` and moves on. A consumer that crashes is started
 * again. Stopping drains the message in hand and commits what was handled.
 */
export class KafkaBus extends MessageBus {
  readonly transport = 'kafka' as const;
  private readonly logger = new Logger('KafkaBus');
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly knownTopics = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaBusOptions = {},
  ) {
    super();
  }

  async ensureTopics(logical: TopicSpec[]): Promise<void> {
    const topics = logical.map((t) => ({
      name: this.physical(t.name),
      partitions: t.partitions,
      retentionMs: t.retentionMs ?? topicRetentionMs(t.name),
    }));
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
          topics: toCreate.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            configEntries:
              t.retentionMs === undefined
                ? []
                : [{ name: 'retention.ms', value: String(t.retentionMs) }],
          })),
        });
      }
      await waitForLeaders(
        admin,
        missing.map((t) => t.name),
      );
      for (const topic of missing.filter((t) => existing.has(t.name))) {
        if (topic.retentionMs !== undefined)
          await this.ensureRetention(admin, topic.name, topic.retentionMs);
      }
      for (const topic of missing) this.knownTopics.add(topic.name);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Gives a topic created before (with the cluster's retention) the retention it should have.
   * Kafka's AlterConfigs (what kafkajs sends) replaces all of a topic's own settings, so the
   * others are sent along unchanged.
   */
  private async ensureRetention(admin: Admin, topic: string, retentionMs: number): Promise<void> {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    const entries = described.resources[0]?.configEntries ?? [];
    const current = entries.find((e) => e.configName === 'retention.ms');
    if (current?.configValue === String(retentionMs)) return;
    const own = entries
      .filter((e) => e.configSource === DYNAMIC_TOPIC_CONFIG && e.configName !== 'retention.ms')
      .map((e) => ({ name: e.configName, value: e.configValue }));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [...own, { name: 'retention.ms', value: String(retentionMs) }],
        },
      ],
    });
    this.logger.log(
      `topic ${topic}: retention.ms ${current?.configValue ?? '?'} -> ${retentionMs} (its contract's retention)`,
    );
  }

  /**
   * Sends the messages in one request. MessageTooLargeError when they are larger than
   * `maxBatchBytes` or the broker refuses their size (a relay then splits its batch); after any
   * other failure the producer is replaced, so that one in a bad state (an idempotent producer
   * whose sequence the broker no longer accepts, a dropped connection) does not fail every later
   * publish.
   */
  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const limit = this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    const bytes = messages.reduce((sum, m) => sum + messageBytes(m), 0);
    if (bytes > limit) {
      throw new MessageTooLargeError(
        `${messages.length} message(s) of about ${bytes} bytes exceed the ${limit} bytes one publish may send`,
        limit,
      );
    }
    const producer = await this.connectedProducer();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push(message);
      byTopic.set(message.topic, list);
    }
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic: this.physical(topic),
          messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        })),
      });
    } catch (error) {
      const refusal = sizeRefusal(error);
      if (refusal) throw refusal;
      this.discardProducer(producer, error);
      throw error;
    }
  }

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    const partitions = this.options.defaultPartitions ?? 3;
    await this.ensureTopics(options.topics.map((topic) => ({ name: topic, partitions })));
    await this.ensureTopics(
      options.topics.map((topic) => ({ name: deadLetterTopic(topic, options.group), partitions })),
    );
    const subscription: KafkaSubscription = new KafkaSubscription(this.kafka, this, options, {
      groupId: this.physical(options.group),
      topics: options.topics.map((t) => this.physical(t)),
      logical: (topic) => this.logical(topic),
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? KAFKA_CONSUMER_DEFAULTS.sessionTimeoutMs,
      heartbeatIntervalMs:
        this.options.heartbeatIntervalMs ?? KAFKA_CONSUMER_DEFAULTS.heartbeatIntervalMs,
      rebalanceTimeoutMs:
        this.options.rebalanceTimeoutMs ?? KAFKA_CONSUMER_DEFAULTS.rebalanceTimeoutMs,
      restartPolicy: this.options.restartPolicy ?? { initialDelayMs: 500, maxDelayMs: 30_000 },
    });
    await subscription.start();
    this.subscriptions.add(subscription);
    return {
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  subscriptionStatus(): SubscriptionStatus[] {
    return [...this.subscriptions].map((s) => s.status());
  }

  async close(): Promise<void> {
    const subscriptions = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.stop()));
    const producer = this.producer;
    this.producer = undefined;
    this.producerReady = undefined;
    await producer?.disconnect();
  }

  /** The name of a topic or group on the cluster (with the namespace). */
  physical(name: string): string {
    return `${this.options.namespace ?? ''}${name}`;
  }

  /** The name of a topic or group as the application knows it (without the namespace). */
  logical(name: string): string {
    const namespace = this.options.namespace ?? '';
    return name.startsWith(namespace) ? name.slice(namespace.length) : name;
  }

  private discardProducer(producer: Producer, cause: unknown): void {
    if (this.producer !== producer) return; // replaced already, after another failed publish
    this.producer = undefined;
    this.producerReady = undefined;
    this.logger.warn(`publishing failed (${asError(cause).message}); the producer is replaced`);
    producer.disconnect().catch((error: unknown) => {
      this.logger.debug(`disconnecting the failed producer: ${asError(error).message}`);
    });
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
