import type { DataSource } from 'typeorm';
import { DeadLetterHeaders, type IncomingMessage, type OutgoingMessage } from '../bus/message-bus';
import {
  DeadLetterStore,
  type DeadLetter,
  type DeadLetterJournal,
  type DeadLetterQueueRef,
  type DeadLetterQueueSummary,
  type ReplayRequest,
} from './dead-letter.store';

interface DeadLetterRow {
  id: string;
  consumer_group: string;
  topic: string;
  partition: number;
  message_offset: string;
  message_key: string;
  value: string;
  headers: Record<string, string>;
  replay_requested_at: Date | null;
}

const COLUMNS = `id::text AS id, consumer_group, topic, partition, message_offset, message_key, value,
  headers, replay_requested_at`;

/** The original message's headers, without the dead-letter ones, marked for its one group. */
export function replayHeaders(
  headers: Record<string, string>,
  group: string,
): Record<string, string> {
  const replay: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-dlq-')) replay[name] = value;
  }
  replay[DeadLetterHeaders.replayFor] = group;
  return replay;
}

/**
 * Dead letters in PostgreSQL (`messaging.dead_letters`), for the embedded process: its bus records
 * them here and replays the rows an operator asked for. Replaying marks rows in one statement, so
 * two replays of one queue never ask for the same row twice.
 */
export class PostgresDeadLetterStore extends DeadLetterStore implements DeadLetterJournal {
  constructor(
    private readonly dataSource: DataSource,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {
    super();
  }

  async record(
    group: string,
    original: IncomingMessage,
    deadLetter: OutgoingMessage,
  ): Promise<void> {
    const headers = deadLetter.headers ?? {};
    await this.dataSource.query(
      `INSERT INTO messaging.dead_letters
         (consumer_group, topic, partition, message_offset, message_key, value, headers, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        group,
        original.topic,
        original.partition,
        original.offset,
        original.key,
        original.value,
        JSON.stringify(headers),
        headers[DeadLetterHeaders.error] ?? '',
      ],
    );
  }

  async replayRequests(groups: string[], limit: number): Promise<ReplayRequest[]> {
    if (groups.length === 0) return [];
    const rows = (await this.dataSource.query(
      // d.id: the bigint column; a bare `id` would be the text alias of the select list.
      `SELECT ${COLUMNS} FROM messaging.dead_letters d
        WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL AND consumer_group = ANY($1)
        ORDER BY d.consumer_group, d.id LIMIT $2`,
      [groups, limit],
    )) as DeadLetterRow[];
    return rows.map((row) => ({
      id: row.id,
      group: row.consumer_group,
      message: {
        topic: row.topic,
        partition: row.partition,
        offset: row.message_offset,
        key: row.message_key,
        value: row.value,
        headers: replayHeaders(row.headers, row.consumer_group),
      },
    }));
  }

  async markReplayed(id: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE messaging.dead_letters SET replayed_at = now() WHERE id = $1 AND replayed_at IS NULL',
      [id],
    );
  }

  async list(filter: Partial<DeadLetterQueueRef> = {}): Promise<DeadLetterQueueSummary[]> {
    const rows = (await this.dataSource.query(
      `SELECT consumer_group, topic, count(*)::int AS total,
              count(*) FILTER (WHERE replay_requested_at IS NULL)::int AS pending
         FROM messaging.dead_letters
        WHERE ($1::text IS NULL OR consumer_group = $1) AND ($2::text IS NULL OR topic = $2)
        GROUP BY consumer_group, topic ORDER BY consumer_group, topic`,
      [filter.group ?? null, filter.topic ?? null],
    )) as { consumer_group: string; topic: string; total: number; pending: number }[];
    return rows.map((row) => ({
      group: row.consumer_group,
      topic: row.topic,
      total: row.total,
      pending: row.pending,
      replayed: row.total - row.pending,
    }));
  }

  async show(queue: DeadLetterQueueRef, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM messaging.dead_letters d
        WHERE consumer_group = $1 AND topic = $2 ORDER BY d.id LIMIT $3`,
      [queue.group, queue.topic, options.limit ?? 100],
    )) as DeadLetterRow[];
    return rows.map((row) => ({
      id: row.id,
      group: row.consumer_group,
      topic: row.topic,
      key: row.message_key,
      value: row.value,
      headers: row.headers,
      replayed: row.replay_requested_at !== null,
    }));
  }

  async replay(queue: DeadLetterQueueRef, options: { limit?: number } = {}): Promise<number> {
    const rows = (await this.dataSource.query(
      `UPDATE messaging.dead_letters SET replay_requested_at = now()
        WHERE id IN (SELECT id FROM messaging.dead_letters
                      WHERE consumer_group = $1 AND topic = $2 AND replay_requested_at IS NULL
                      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [queue.group, queue.topic, options.limit ?? 2_147_483_647],
    )) as [unknown[], number] | unknown[];
    return countOf(rows);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

/** TypeORM answers an UPDATE ... RETURNING with [rows, count] on PostgreSQL. */
function countOf(result: [unknown[], number] | unknown[]): number {
  return Array.isArray(result[0]) && typeof result[1] === 'number' ? result[1] : result.length;
}
