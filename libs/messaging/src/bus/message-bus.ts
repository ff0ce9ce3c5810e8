/** A message on its way to a topic. `key` decides the partition: one key's messages stay in order. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export type MessageHandler = (message: IncomingMessage) => Promise<void>;

/**
 * How a failing message is retried (see classifyError): a transient failure for as long as it
 * takes, a non-retriable one not at all, one of unknown kind `retries` times. The delay doubles from
 * `initialDelayMs` up to `maxDelayMs` (with jitter); the cap is also the longest a partition waits
 * after its dependency is back.
 */
export interface RetryPolicy {
  /** Attempts after the first for an error of unknown kind, before it goes to the dead-letter topic. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 10, initialDelayMs: 200, maxDelayMs: 10_000 };

export interface SubscriptionOptions {
  /** The consumer group: each group sees every message once; its members share the partitions. */
  group: string;
  topics: string[];
  handler: MessageHandler;
  retry?: Partial<RetryPolicy>;
  /** How many partitions one member handles at the same time (order holds within a partition). */
  partitionConcurrency?: number;
  /** Told of each message once its dead letter is kept (for metrics). */
  onDeadLettered?: (message: IncomingMessage) => void;
}

export interface Subscription {
  /** Finishes the message in hand, records progress, and leaves the group. */
  stop(): Promise<void>;
}

/** What /health reports of one subscription. */
export interface SubscriptionStatus {
  group: string;
  topics: string[];
  /**
   * `running`: a member of its group (or joining it); `restarting`: its consumer crashed and is
   * being started again; `stopped`: stopped on purpose.
   */
  state: 'running' | 'restarting' | 'stopped';
  /** Times its consumer was started again after a crash. */
  restarts: number;
  /** The last crash, while restarting. */
  lastError?: string;
  /** Partitions held back while one of their messages waits for its next attempt. */
  retryingPartitions: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /**
   * Kafka's `retention.ms` (-1: forever); by default the contracts' retention of the topic
   * (`topicRetentionMs`), else the cluster's. Applied to a topic that exists with another one.
   */
  retentionMs?: number;
}

/** A handler error that no retry can fix (a malformed message): dead-letter it at once. */
export class NonRetriableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetriableError';
  }
}

/**
 * The broker refused a publish because a message or the request is larger than it accepts: a
 * publisher retrying the same batch would fail forever. An outbox relay splits the batch instead;
 * a single message over the limit cannot be published at all. `limitBytes` when known.
 */
export class MessageTooLargeError extends Error {
  constructor(
    message: string,
    readonly limitBytes?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MessageTooLargeError';
  }
}

/** Where a consumer group's poison messages go: `<topic>.dlq.<group>`. */
export function deadLetterTopic(topic: string, group: string): string {
  return `${topic}.dlq.${group}`;
}

/** Headers on a dead-lettered message, next to the original message's own headers. */
export const DeadLetterHeaders = {
  error: 'x-dlq-error',
  errorType: 'x-dlq-error-type',
  /** `non-retriable`, or `unknown` once its retries ran out (see classifyError). */
  errorClass: 'x-dlq-error-class',
  attempts: 'x-dlq-attempts',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  group: 'x-dlq-group',
  failedAt: 'x-dlq-failed-at',
  /**
   * On a replayed copy in the original topic: the one consumer group it is for. Every other group
   * skips it (each handled the original already).
   */
  replayFor: 'x-dlq-replay-for',
} as const;

/**
 * The bus port. Two transports with the same semantics: Kafka (distributed) and in-process
 * (embedded): per-key order, consumer groups, retries with exponential backoff (transient
 * failures for as long as it takes, holding back only their partition), a dead-letter topic per group
 * for the messages that cannot be handled, while the partition moves on; at-least-once delivery.
 */
export abstract class MessageBus {
  abstract readonly transport: 'kafka' | 'in-process';
  /** Creates the topics that do not exist yet, with their partition counts. */
  abstract ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Resolves once every message is acknowledged (Kafka: by all in-sync replicas). */
  abstract publish(messages: OutgoingMessage[]): Promise<void>;
  abstract subscribe(options: SubscriptionOptions): Promise<Subscription>;
  /** Stops every subscription (draining the messages in hand), then the producer. */
  abstract close(): Promise<void>;
  /** The state of every subscription, for /health. */
  abstract subscriptionStatus(): SubscriptionStatus[];
}
