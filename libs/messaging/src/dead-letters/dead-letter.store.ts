import type { IncomingMessage, OutgoingMessage } from '../bus/message-bus';

/** One consumer group's dead letters of one topic. */
export interface DeadLetterQueueRef {
  group: string;
  /** The original topic (the dead letters' own topic is `<topic>.dlq.<group>`). */
  topic: string;
}

export interface DeadLetterQueueSummary extends DeadLetterQueueRef {
  /** Dead letters kept (Kafka: within the topic's retention). */
  total: number;
  /** Not replayed yet. */
  pending: number;
  /** Replayed, or asked to be (the embedded process replays within seconds). */
  replayed: number;
}

export interface DeadLetter extends DeadLetterQueueRef {
  /** Where the dead letter is kept: `<partition>:<offset>` of the DLQ topic, or the table row's id. */
  id: string;
  key: string;
  value: string;
  /** The original message's headers and the `x-dlq-*` headers that say why it failed. */
  headers: Record<string, string>;
  replayed: boolean;
}

/**
 * Where dead letters are kept and how they are replayed: on Kafka the `<topic>.dlq.<group>` topics,
 * in the embedded process a PostgreSQL table. `npm run dlq` works on either. Replay sends each
 * dead letter back to its group once: a second replay of the same queue sends nothing.
 */
export abstract class DeadLetterStore {
  abstract list(filter?: Partial<DeadLetterQueueRef>): Promise<DeadLetterQueueSummary[]>;
  /** The queue's dead letters, oldest first (pending and replayed). */
  abstract show(queue: DeadLetterQueueRef, options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Sends the queue's pending dead letters back to their group; returns how many. */
  abstract replay(queue: DeadLetterQueueRef, options?: { limit?: number }): Promise<number>;
  abstract close(): Promise<void>;
}

/** A dead letter the in-process bus has asked to deliver again to its group. */
export interface ReplayRequest {
  id: string;
  group: string;
  message: IncomingMessage;
}

/**
 * What the in-process bus needs of its dead-letter store: keep a dead letter (durably, before the
 * partition moves on) and hand back the ones an operator asked to replay.
 */
export interface DeadLetterJournal {
  record(group: string, original: IncomingMessage, deadLetter: OutgoingMessage): Promise<void>;
  /** Replays asked for the given groups and not done yet, oldest first. */
  replayRequests(groups: string[], limit: number): Promise<ReplayRequest[]>;
  markReplayed(id: string): Promise<void>;
}
