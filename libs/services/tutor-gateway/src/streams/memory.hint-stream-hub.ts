import {
  DEFAULT_HINT_STREAM_MAX_ENTRIES,
  DEFAULT_HINT_STREAM_TTL_MS,
  HintStreamHub,
  compareHintStreamIds,
  isTerminal,
  requireHintStreamId,
  type HintStreamEntry,
  type HintStreamHubOptions,
  type HintStreamRecord,
  type ReadHintStreamOptions,
} from './hint-stream-hub';

interface MemoryStream {
  records: HintStreamRecord[];
  lastMs: number;
  lastSeq: number;
  expiry: NodeJS.Timeout;
}

/**
 * The embedded process's hint streams: what Redis Streams do for services, in this process. Ids
 * are `<ms>-<seq>` like Redis's, so a Last-Event-ID means the same to both.
 */
export class MemoryHintStreamHub extends HintStreamHub {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly streams = new Map<string, MemoryStream>();
  /** Kept apart from the streams: a reader waits on a hint whose entries expired or never came. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly readers = new Set<AbortController>();

  constructor(options: HintStreamHubOptions = {}) {
    super();
    this.ttlMs = options.ttlMs ?? DEFAULT_HINT_STREAM_TTL_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_HINT_STREAM_MAX_ENTRIES;
  }

  get openReaders(): number {
    return this.readers.size;
  }

  async append(hintId: string, entry: HintStreamEntry): Promise<string> {
    const stream = this.streams.get(hintId);
    const now = Date.now();
    const [ms, seq] =
      stream && stream.lastMs >= now ? [stream.lastMs, stream.lastSeq + 1] : [now, 0];
    const id = `${ms}-${seq}`;
    // A copy, as a reader of Redis would get: the caller may reuse its object.
    const record: HintStreamRecord = { id, entry: { ...entry } };
    if (stream) {
      clearTimeout(stream.expiry);
      stream.records.push(record);
      stream.records.splice(0, Math.max(0, stream.records.length - this.maxEntries));
      stream.lastMs = ms;
      stream.lastSeq = seq;
      stream.expiry = this.expire(hintId);
    } else {
      this.streams.set(hintId, {
        records: [record],
        lastMs: ms,
        lastSeq: seq,
        expiry: this.expire(hintId),
      });
    }
    for (const wake of this.waiters.get(hintId) ?? []) wake();
    return id;
  }

  async *read(hintId: string, options: ReadHintStreamOptions): AsyncIterable<HintStreamRecord> {
    let cursor = options.after ?? null;
    if (cursor !== null) requireHintStreamId(cursor);
    const reader = new AbortController();
    const stop = (): void => reader.abort();
    if (options.signal.aborted) return;
    options.signal.addEventListener('abort', stop, { once: true });
    this.readers.add(reader);
    try {
      while (!reader.signal.aborted) {
        const after = cursor;
        const batch = (this.streams.get(hintId)?.records ?? []).filter(
          (record) => after === null || compareHintStreamIds(record.id, after) > 0,
        );
        if (batch.length === 0) {
          await this.nextAppend(hintId, reader.signal);
          continue;
        }
        for (const record of batch) {
          if (reader.signal.aborted) return;
          yield { id: record.id, entry: { ...record.entry } };
          if (isTerminal(record.entry)) return;
          cursor = record.id;
        }
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      this.readers.delete(reader);
    }
  }

  async close(): Promise<void> {
    for (const reader of this.readers) reader.abort();
    for (const stream of this.streams.values()) clearTimeout(stream.expiry);
    this.streams.clear();
  }

  private expire(hintId: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.streams.delete(hintId), this.ttlMs);
    timer.unref();
    return timer;
  }

  /** Resolves at the hint's next append, or when the signal aborts. */
  private nextAppend(hintId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.waiters.get(hintId) ?? new Set<() => void>();
      this.waiters.set(hintId, waiting);
      const wake = (): void => {
        signal.removeEventListener('abort', wake);
        waiting.delete(wake);
        if (waiting.size === 0 && this.waiters.get(hintId) === waiting) this.waiters.delete(hintId);
        resolve();
      };
      waiting.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}
