import type { IncomingMessage, OutgoingMessage } from '../bus/message-bus';
import {
  DeadLetterStore,
  type DeadLetter,
  type DeadLetterJournal,
  type DeadLetterQueueRef,
  type DeadLetterQueueSummary,
  type ReplayRequest,
} from './dead-letter.store';
import { replayHeaders } from './postgres-dead-letter.store';

interface Entry {
  id: string;
  group: string;
  original: IncomingMessage;
  headers: Record<string, string>;
  replayRequested: boolean;
  replayed: boolean;
}

/**
 * Dead letters in memory: for an in-process bus without a database (unit tests). The embedded
 * process keeps them in PostgreSQL.
 */
export class InMemoryDeadLetterStore extends DeadLetterStore implements DeadLetterJournal {
  private readonly entries: Entry[] = [];

  async record(
    group: string,
    original: IncomingMessage,
    deadLetter: OutgoingMessage,
  ): Promise<void> {
    this.entries.push({
      id: String(this.entries.length + 1),
      group,
      original,
      headers: { ...deadLetter.headers },
      replayRequested: false,
      replayed: false,
    });
  }

  async replayRequests(groups: string[], limit: number): Promise<ReplayRequest[]> {
    return this.entries
      .filter((e) => e.replayRequested && !e.replayed && groups.includes(e.group))
      .slice(0, limit)
      .map((e) => ({
        id: e.id,
        group: e.group,
        message: { ...e.original, headers: replayHeaders(e.headers, e.group) },
      }));
  }

  async markReplayed(id: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id);
    if (entry) entry.replayed = true;
  }

  async list(filter: Partial<DeadLetterQueueRef> = {}): Promise<DeadLetterQueueSummary[]> {
    const queues = new Map<string, DeadLetterQueueSummary>();
    for (const entry of this.matching(filter)) {
      const id = `${entry.group}\u0000${entry.original.topic}`;
      const queue = queues.get(id) ?? {
        group: entry.group,
        topic: entry.original.topic,
        total: 0,
        pending: 0,
        replayed: 0,
      };
      queue.total += 1;
      if (entry.replayRequested) queue.replayed += 1;
      else queue.pending += 1;
      queues.set(id, queue);
    }
    return [...queues.values()];
  }

  async show(queue: DeadLetterQueueRef, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.matching(queue)
      .slice(0, options.limit ?? 100)
      .map((e) => ({
        id: e.id,
        group: e.group,
        topic: e.original.topic,
        key: e.original.key,
        value: e.original.value,
        headers: e.headers,
        replayed: e.replayRequested,
      }));
  }

  async replay(queue: DeadLetterQueueRef, options: { limit?: number } = {}): Promise<number> {
    const due = this.matching(queue)
      .filter((e) => !e.replayRequested)
      .slice(0, options.limit ?? Number.MAX_SAFE_INTEGER);
    for (const entry of due) entry.replayRequested = true;
    return due.length;
  }

  async close(): Promise<void> {
    return undefined;
  }

  private matching(filter: Partial<DeadLetterQueueRef>): Entry[] {
    return this.entries.filter(
      (e) =>
        (filter.group === undefined || e.group === filter.group) &&
        (filter.topic === undefined || e.original.topic === filter.topic),
    );
  }
}
