import { Logger } from '@nestjs/common';
import {
  deadLetterTopic,
  MessageBus,
  type IncomingMessage,
  type OutgoingMessage,
  type Subscription,
  type SubscriptionOptions,
  type SubscriptionStatus,
  type TopicSpec,
} from '../bus/message-bus';
import {
  asError,
  backoffDelay,
  deadLetter,
  handleWithRetries,
  retryPolicy,
  sleep,
} from '../bus/retrying-handler';
import type { DeadLetterJournal } from '../dead-letters/dead-letter.store';
import { InMemoryDeadLetterStore } from '../dead-letters/in-memory-dead-letter.store';

interface Delivery {
  message: IncomingMessage;
  done: () => void;
  fail: (error: Error) => void;
}

type Outcome = { delivered: true } | { delivered: false; error: Error };

/** One group's queue for one partition of one topic: handled strictly in order. */
class PartitionQueue {
  private readonly items: Delivery[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle: (() => void) | undefined;
  /** A message of this partition waits for its next attempt. */
  retrying = false;

  constructor(private readonly process: (message: IncomingMessage) => Promise<Outcome>) {}

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
      const outcome = await this.process(item.message);
      if (outcome.delivered) item.done();
      else item.fail(outcome.error);
    }
    this.running = false;
    this.resolveIdle?.();
  }
}

interface Group {
  options: SubscriptionOptions;
  queues: Map<string, PartitionQueue>;
  stopping: AbortController;
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

export interface InProcessBusOptions {
  /**
   * Where dead letters are kept, and replays asked for: PostgreSQL in the embedded process
   * (PostgresDeadLetterStore); in memory when none is given.
   */
  deadLetters?: DeadLetterJournal;
  /** How often to look for replays an operator asked for. */
  replayPollMs?: number;
}

/**
 * The embedded mode's bus, with Kafka's semantics inside one process: topics with partitions, one
 * key's messages in order, consumer groups, retries with backoff (transient failures for as long
 * as it takes, while the group's other partitions go on), then the dead-letter journal and the
 * group's dead-letter topic. `publish` resolves once every subscribed group has handled (or
 * dead-lettered) each message, and rejects when a group stopped before it could: durability
 * comes from the publisher's outbox, which records its position only then. So a partition that
 * waits for a dependency holds back the publish that carries its message (the relay that
 * publishes it waits too), which in one process is the same outage anyway.
 */
export class InProcessBus extends MessageBus {
  readonly transport = 'in-process' as const;
  private readonly logger = new Logger('InProcessBus');
  private readonly partitions = new Map<string, number>();
  private readonly offsets = new Map<string, number>();
  private readonly groups = new Set<Group>();
  /** Groups that subscribed to a topic and have stopped since, by topic. */
  private readonly stoppedGroups = new Map<string, Set<string>>();
  private readonly journal: DeadLetterJournal;
  private replayTimer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly defaultPartitions = 3,
    private readonly options: InProcessBusOptions = {},
  ) {
    super();
    this.journal = options.deadLetters ?? new InMemoryDeadLetterStore();
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const topic of topics) {
      if (!this.partitions.has(topic.name)) this.partitions.set(topic.name, topic.partitions);
    }
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
    for (const { topic } of messages) {
      const stopped = this.stoppedGroups.get(topic);
      if (stopped && stopped.size > 0) {
        // Delivered to the others and not to it, a message would be lost to it: nothing keeps
        // messages here. Refused whole, the publisher (an outbox) keeps them and tries again.
        throw new Error(
          `group ${[...stopped].join(', ')} of topic ${topic} has stopped: not published`,
        );
      }
    }
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
      for (const group of this.groups) {
        if (!group.options.topics.includes(outgoing.topic)) continue;
        handled.push(this.deliver(group, message));
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
          name: deadLetterTopic(topic, options.group),
          partitions: this.partitions.get(topic) ?? this.defaultPartitions,
        },
      ]);
    }
    const group: Group = { options, queues: new Map(), stopping: new AbortController() };
    this.groups.add(group);
    for (const topic of options.topics) this.stoppedGroups.get(topic)?.delete(options.group);
    this.startReplays();
    return {
      stop: async () => {
        for (const topic of options.topics) {
          const stopped = this.stoppedGroups.get(topic) ?? new Set<string>();
          stopped.add(options.group);
          this.stoppedGroups.set(topic, stopped);
        }
        group.stopping.abort();
        await Promise.all([...group.queues.values()].map((queue) => queue.whenIdle()));
        this.groups.delete(group);
      },
    };
  }

  subscriptionStatus(): SubscriptionStatus[] {
    return [...this.groups].map((group) => ({
      group: group.options.group,
      topics: group.options.topics,
      state: group.stopping.signal.aborted ? 'stopped' : 'running',
      restarts: 0,
      retryingPartitions: [...group.queues.values()].filter((q) => q.retrying).length,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.replayTimer);
    await Promise.all(
      [...this.groups].map(async (group) => {
        group.stopping.abort();
        await Promise.all([...group.queues.values()].map((queue) => queue.whenIdle()));
      }),
    );
    await this.replaying;
    this.groups.clear();
  }

  private deliver(group: Group, message: IncomingMessage): Promise<void> {
    return new Promise<void>((done, fail) =>
      this.queueFor(group, `${message.topic}:${message.partition}`).push({ message, done, fail }),
    );
  }

  private queueFor(group: Group, partitionKey: string): PartitionQueue {
    let queue = group.queues.get(partitionKey);
    if (!queue) {
      const created: PartitionQueue = new PartitionQueue((message) =>
        this.handle(group, created, message),
      );
      queue = created;
      group.queues.set(partitionKey, queue);
    }
    return queue;
  }

  private async handle(
    group: Group,
    queue: PartitionQueue,
    message: IncomingMessage,
  ): Promise<Outcome> {
    const name = group.options.group;
    const signal = group.stopping.signal;
    const where = `${message.topic}/${message.partition}@${message.offset}`;
    const outcome = await handleWithRetries(
      message,
      group.options.handler,
      retryPolicy(group.options.retry),
      {
        signal,
        onRetry: (failure, attempts, decision) => {
          queue.retrying = true;
          if (attempts === 1 || attempts % 10 === 0) {
            this.logger.warn(
              `${name}: ${where} failed (${decision.errorClass}, attempt ${attempts}), its partition waits ${Math.round(decision.delayMs)} ms: ${failure.message}`,
            );
          }
        },
      },
    );
    queue.retrying = false;
    switch (outcome.kind) {
      case 'handled':
        return { delivered: true };
      case 'stopped':
        return {
          delivered: false,
          error: new Error(`${name} stopped before ${where} was handled`, { cause: outcome.error }),
        };
      case 'dead-letter': {
        this.logger.warn(
          `${name}: dead-lettering ${where} after ${outcome.attempts} attempt(s) (${outcome.errorClass}): ${outcome.error.message}`,
        );
        const copy = deadLetter(message, name, outcome);
        // Kept before the partition moves on; the journal's database may be away for a while.
        for (let attempts = 1; ; attempts++) {
          try {
            await this.journal.record(name, message, copy);
            break;
          } catch (error) {
            this.logger.warn(
              `${name}: keeping the dead letter of ${where} failed: ${asError(error).message}`,
            );
            if (!(await sleep(backoffDelay(attempts, retryPolicy(group.options.retry)), signal))) {
              return { delivered: false, error: asError(error) };
            }
          }
        }
        group.options.onDeadLettered?.(message);
        // Readers of the dead-letter topic in this process see it too, as on Kafka, without this
        // partition waiting for them: the journal has it already.
        void this.publish([copy]).catch((error: unknown) =>
          this.logger.warn(`${name}: a reader of ${copy.topic} failed: ${asError(error).message}`),
        );
        return { delivered: true };
      }
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown handling outcome ${String(unknown)}`);
      }
    }
  }

  /** Looks for replays an operator asked for (`npm run dlq -- replay`) every few seconds. */
  private startReplays(): void {
    if (this.replayTimer) return;
    this.replayTimer = setInterval(() => {
      this.replaying ??= this.replayRequested()
        .catch((error: unknown) =>
          this.logger.warn(`looking for dead letters to replay failed: ${asError(error).message}`),
        )
        .finally(() => (this.replaying = undefined));
    }, this.options.replayPollMs ?? 2000);
    this.replayTimer.unref();
  }

  /** Delivers each requested dead letter to its group again (its partition, in order), once. */
  private async replayRequested(): Promise<void> {
    const groups = [...this.groups].filter((g) => !g.stopping.signal.aborted);
    const requests = await this.journal.replayRequests(
      [...new Set(groups.map((g) => g.options.group))],
      100,
    );
    for (const request of requests) {
      const group = groups.find(
        (g) => g.options.group === request.group && !g.stopping.signal.aborted,
      );
      if (!group || this.closed) return;
      const partitions = this.partitions.get(request.message.topic) ?? this.defaultPartitions;
      const partition = partitionOf(request.message.key, partitions);
      await this.deliver(group, { ...request.message, partition });
      await this.journal.markReplayed(request.id);
      this.logger.log(`${request.group}: replayed dead letter ${request.id}`);
    }
  }
}
