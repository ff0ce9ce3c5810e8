import { PATH_EVENTS } from '@studypath/contracts';
import { LOG_START, type LogPosition, type PostgresEventStore } from '@studypath/event-store';
import { decodeEvent, type KafkaTopicReader, type TopicCursor } from '@studypath/messaging';
import type { TaskStreamEvent } from '../projections/progress.projector';
import type { HistoryBatch, TaskStreamHistory } from './rebuild-progress.usecase';

const TASK_STREAM_TYPES = new Set<string>(PATH_EVENTS.map((d) => d.type));

/** Why a message of the history was left out of a rebuild. */
export interface SkippedMessage {
  where: string;
  reason: string;
}

/**
 * The task stream's history on Kafka: the task-events topic from its earliest offsets (it keeps
 * everything, `retention.ms=-1`), read to its end as of the read. Each message is decoded and
 * validated as the live consumer does; one that fails (a message the live consumer dead-lettered
 * too) is left out and reported, as is any event type that is not the task stream's.
 */
export class KafkaTaskStreamHistory implements TaskStreamHistory {
  constructor(
    private readonly reader: KafkaTopicReader,
    private readonly topic: string,
    private readonly onSkipped: (skipped: SkippedMessage) => void = () => undefined,
  ) {}

  size(): Promise<number> {
    return this.reader.size(this.topic);
  }

  async *read(from: string | null): AsyncIterable<HistoryBatch> {
    const cursor = from === null ? null : (JSON.parse(from) as TopicCursor);
    for await (const batch of this.reader.read(this.topic, cursor)) {
      const events: TaskStreamEvent[] = [];
      for (const message of batch.messages) {
        const where = `${message.topic}/${message.partition}@${message.offset}`;
        try {
          const event = decodeEvent(message);
          if (TASK_STREAM_TYPES.has(event.event_type)) events.push(event as TaskStreamEvent);
          else this.onSkipped({ where, reason: `${event.event_type} is not a task-stream event` });
        } catch (error) {
          this.onSkipped({ where, reason: error instanceof Error ? error.message : String(error) });
        }
      }
      yield { events, next: JSON.stringify(batch.cursor) };
    }
  }
}

/**
 * The task stream's history in the path service's own event store: where the embedded process
 * (whose in-process bus keeps nothing) rebuilds from, the log in its commit-safe order.
 */
export class EventStoreTaskStreamHistory implements TaskStreamHistory {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly batchSize = 2_000,
  ) {}

  size(): Promise<number> {
    return this.store.countAll();
  }

  async *read(from: string | null): AsyncIterable<HistoryBatch> {
    let position: LogPosition = from === null ? LOG_START : (JSON.parse(from) as LogPosition);
    for (;;) {
      const { events, position: next } = await this.store.readAll(position, this.batchSize);
      if (events.length === 0) return;
      position = next;
      yield {
        events: events.filter((e) => TASK_STREAM_TYPES.has(e.event_type)) as TaskStreamEvent[],
        next: JSON.stringify(position),
      };
    }
  }
}
