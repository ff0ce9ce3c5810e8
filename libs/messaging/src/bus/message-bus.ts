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

export interface RetryPolicy {
  /** Attempts after the first one before the message goes to the dead-letter topic. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, initialDelayMs: 100, maxDelayMs: 2000 };

export interface SubscriptionOptions {
  /** The consumer group: each group sees every message once; its members share the partitions. */
  group: string;
  topics: string[];
  handler: MessageHandler;
  retry?: Partial<RetryPolicy>;
  /** How many partitions one member handles at the same time (order holds within a partition). */
  partitionConcurrency?: number;
}

export interface Subscription {
  /** Finishes the message in hand, records progress, and leaves the group. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
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
  attempts: 'x-dlq-attempts',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  group: 'x-dlq-group',
  failedAt: 'x-dlq-failed-at',
} as const;

/**
 * The bus port. Two transports with the same semantics: Kafka (distributed) and in-process
 * (embedded): per-key order, consumer groups, retries with exponential backoff, then a dead-letter
 * topic per group while the partition moves on; at-least-once delivery.
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
}
