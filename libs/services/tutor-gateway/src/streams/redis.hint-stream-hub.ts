import Redis from 'ioredis';
import { assertNever } from '@studypath/decider';
import type { TutorHintLevel } from '../domain/tutor.types';
import {
  DEFAULT_HINT_STREAM_MAX_ENTRIES,
  DEFAULT_HINT_STREAM_TTL_MS,
  HintStreamHub,
  compareHintStreamIds,
  isTerminal,
  parseHintStreamId,
  requireHintStreamId,
  type HintSource,
  type HintStreamEntry,
  type HintStreamHubOptions,
  type HintStreamRecord,
  type ReadHintStreamOptions,
} from './hint-stream-hub';

export interface RedisHintStreamHubOptions extends HintStreamHubOptions {
  /** Keys are `<keyPrefix><hintId>`; tests and environments sharing a Redis use their own. */
  keyPrefix?: string;
  /** How long one XREAD BLOCK waits before the reader asks again (an idle stream costs nothing). */
  blockMs?: number;
  /** Entries one XREAD returns at most. */
  batchSize?: number;
  /** The CLIENT SETNAME of each reader's connection, to find them in CLIENT LIST. */
  readerConnectionName?: string;
}

export const DEFAULT_HINT_STREAM_KEY_PREFIX = 'studypath:hint:';

/** What Redis handed back that is not an entry this hub wrote. */
export class MalformedHintStreamEntryError extends Error {
  constructor(
    readonly hintId: string,
    reason: string,
  ) {
    super(`hint stream ${hintId}: ${reason}`);
    this.name = 'MalformedHintStreamEntryError';
  }
}

/**
 * Hint streams in Redis Streams, so that any replica serves any hint: XADD (with a MAXLEN guard)
 * and PEXPIRE in one MULTI, so a key never lives without its TTL; each reader waits with XREAD
 * BLOCK on a connection of its own, since a blocking read holds its connection and must not hold
 * up appends or other readers. The connection closes when the reader ends or its signal aborts.
 */
export class RedisHintStreamHub extends HintStreamHub {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly keyPrefix: string;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private readonly readerConnectionName: string;
  private readonly readers = new Set<AbortController>();

  /** Takes `redis` over: close() quits it. */
  constructor(
    private readonly redis: Redis,
    options: RedisHintStreamHubOptions = {},
  ) {
    super();
    this.ttlMs = Math.max(1, Math.round(options.ttlMs ?? DEFAULT_HINT_STREAM_TTL_MS));
    this.maxEntries = options.maxEntries ?? DEFAULT_HINT_STREAM_MAX_ENTRIES;
    this.keyPrefix = options.keyPrefix ?? DEFAULT_HINT_STREAM_KEY_PREFIX;
    this.blockMs = options.blockMs ?? 5_000;
    this.batchSize = options.batchSize ?? 100;
    this.readerConnectionName = options.readerConnectionName ?? 'studypath-hint-reader';
  }

  static connect(url: string, options: RedisHintStreamHubOptions = {}): RedisHintStreamHub {
    const redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      // A producer should fail an append to a slow Redis, not hang the hint with it.
      commandTimeout: 2000,
      enableOfflineQueue: true,
    });
    // Failures surface as failed calls; without a listener ioredis would log each retry.
    redis.on('error', () => undefined);
    return new RedisHintStreamHub(redis, options);
  }

  get openReaders(): number {
    return this.readers.size;
  }

  async append(hintId: string, entry: HintStreamEntry): Promise<string> {
    const key = this.key(hintId);
    // Exact MAXLEN (not `~`): the guard then trims the same entries as the memory hub does.
    const results = await this.redis
      .multi()
      .xadd(key, 'MAXLEN', this.maxEntries, '*', ...encodeEntry(entry))
      .pexpire(key, this.ttlMs)
      .exec();
    const [added, expired] = results ?? [];
    if (!added || added[0] || !expired || expired[0]) {
      throw added?.[0] ?? expired?.[0] ?? new Error(`hint stream ${hintId}: append aborted`);
    }
    const id = added[1];
    if (typeof id !== 'string' || !parseHintStreamId(id)) {
      throw new MalformedHintStreamEntryError(hintId, 'XADD returned no stream id');
    }
    return id;
  }

  async *read(hintId: string, options: ReadHintStreamOptions): AsyncIterable<HintStreamRecord> {
    let cursor = options.after ?? '0-0';
    requireHintStreamId(cursor);
    if (options.signal.aborted) return;
    const key = this.key(hintId);
    const connection = this.redis.duplicate({
      connectionName: this.readerConnectionName,
      // The blocking read takes as long as it is told to: no client-side timeouts on it.
      commandTimeout: undefined,
      socketTimeout: undefined,
    });
    connection.on('error', () => undefined);
    // Closing the connection is what ends a read that is blocked in Redis right now. Only once:
    // a second disconnect() arms a timer that waits for a close event which has already fired.
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      connection.disconnect();
    };
    const reader = new AbortController();
    const stop = (): void => reader.abort();
    options.signal.addEventListener('abort', stop, { once: true });
    reader.signal.addEventListener('abort', release, { once: true });
    this.readers.add(reader);
    try {
      while (!reader.signal.aborted) {
        let reply: unknown;
        try {
          reply = await connection.xread(
            'COUNT',
            this.batchSize,
            'BLOCK',
            this.blockMs,
            'STREAMS',
            key,
            cursor,
          );
        } catch (error) {
          if (reader.signal.aborted) return;
          throw error;
        }
        for (const record of decodeReply(hintId, key, cursor, reply)) {
          if (reader.signal.aborted) return;
          yield record;
          if (isTerminal(record.entry)) return;
          cursor = record.id;
        }
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      reader.signal.removeEventListener('abort', release);
      this.readers.delete(reader);
      release();
    }
  }

  async close(): Promise<void> {
    for (const reader of this.readers) reader.abort();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(hintId: string): string {
    return this.keyPrefix + hintId;
  }
}

function encodeEntry(entry: HintStreamEntry): string[] {
  switch (entry.type) {
    case 'chunk':
      return ['type', 'chunk', 'text', entry.text];
    case 'started':
      return ['type', 'started'];
    case 'reset':
      return ['type', 'reset'];
    case 'done':
      return [
        'type',
        'done',
        'content',
        entry.content,
        'level',
        String(entry.level),
        'source',
        entry.source,
      ];
    case 'error':
      return ['type', 'error', 'message', entry.message];
    default:
      return assertNever(entry, 'hint stream entry');
  }
}

/**
 * The records of an XREAD reply, checked: Redis content is data, so a reply that is not what this
 * hub wrote (another writer, a corrupted key) fails the read instead of reaching a client. Ids must
 * come after `cursor` and increase, so a bad reply cannot make a reader loop.
 */
function decodeReply(
  hintId: string,
  key: string,
  cursor: string,
  reply: unknown,
): HintStreamRecord[] {
  if (reply === null) return [];
  const malformed = (reason: string): MalformedHintStreamEntryError =>
    new MalformedHintStreamEntryError(hintId, reason);
  if (!Array.isArray(reply) || reply.length !== 1) throw malformed('XREAD reply is not one stream');
  const stream: unknown = reply[0];
  if (!Array.isArray(stream) || stream.length !== 2 || stream[0] !== key) {
    throw malformed('XREAD reply names another stream');
  }
  const items: unknown = stream[1];
  if (!Array.isArray(items)) throw malformed('XREAD reply has no entries');
  let previous = cursor;
  return items.map((item: unknown) => {
    if (!Array.isArray(item) || item.length !== 2) throw malformed('an entry is not [id, fields]');
    const [id, fields] = item as [unknown, unknown];
    if (typeof id !== 'string' || !parseHintStreamId(id)) throw malformed('an entry id is invalid');
    if (compareHintStreamIds(id, previous) <= 0) throw malformed(`entry ${id} is out of order`);
    previous = id;
    return { id, entry: decodeEntry(fields, (reason) => malformed(`entry ${id}: ${reason}`)) };
  });
}

function isEntryType(type: string | undefined): type is HintStreamEntry['type'] {
  return type !== undefined && Object.hasOwn(ENTRY_FIELDS, type);
}

const ENTRY_FIELDS: Readonly<Record<HintStreamEntry['type'], readonly string[]>> = {
  chunk: ['type', 'text'],
  started: ['type'],
  reset: ['type'],
  done: ['type', 'content', 'level', 'source'],
  error: ['type', 'message'],
};

function decodeEntry(
  fields: unknown,
  malformed: (reason: string) => MalformedHintStreamEntryError,
): HintStreamEntry {
  if (!Array.isArray(fields) || fields.length % 2 !== 0) throw malformed('fields are not pairs');
  const values = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) {
    const [name, value]: unknown[] = [fields[i], fields[i + 1]];
    if (typeof name !== 'string' || typeof value !== 'string' || values.has(name)) {
      throw malformed('fields are not distinct strings');
    }
    values.set(name, value);
  }
  const type = values.get('type');
  if (!isEntryType(type)) throw malformed('unknown type');
  const expected = ENTRY_FIELDS[type];
  if (values.size !== expected.length || !expected.every((name) => values.has(name))) {
    throw malformed(`a ${type} entry has fields ${expected.join(', ')}`);
  }
  const field = (name: string): string => values.get(name) ?? '';
  switch (type) {
    case 'chunk':
      return { type, text: field('text') };
    case 'started':
    case 'reset':
      return { type };
    case 'error':
      return { type, message: field('message') };
    case 'done': {
      const level = LEVELS.get(field('level'));
      const source = field('source');
      if (level === undefined) throw malformed('level is not 1, 2 or 3');
      if (!isHintSource(source)) throw malformed('source is not llm or builtin');
      return { type, content: field('content'), level, source };
    }
    default:
      return assertNever(type, 'hint stream entry type');
  }
}

const LEVELS = new Map<string, TutorHintLevel>([
  ['1', 1],
  ['2', 2],
  ['3', 3],
]);

function isHintSource(value: string): value is HintSource {
  return value === 'llm' || value === 'builtin';
}
