import type { TutorHintLevel } from '../domain/tutor.types';

/** Who wrote a hint: the LLM, or the built-in tutor's ladder (the fallback). */
export type HintSource = 'llm' | 'builtin';

/**
 * One entry of a hint's stream: text deltas, then exactly one terminal `done` or `error`. A
 * `reset` says the text so far is void and the hint starts again (the LLM failed mid-way and the
 * built-in tutor took over, or a redelivered request restarts a hint a stopped process began): a
 * reader's text is the chunks after the last reset.
 */
export type HintStreamEntry =
  /** The tutor-gateway has the request (the hint is stored as generating): for waiting readers. */
  | { type: 'started' }
  | { type: 'chunk'; text: string }
  | { type: 'reset' }
  | { type: 'done'; content: string; level: TutorHintLevel; source: HintSource }
  | { type: 'error'; message: string };

/** An entry with the id that orders it in its hint's stream (the SSE event id). */
export interface HintStreamRecord {
  id: string;
  entry: HintStreamEntry;
}

export interface ReadHintStreamOptions {
  /** Yield only the entries after this id (an SSE `Last-Event-ID`); from the start when absent. */
  after?: string | null;
  /** Ends the read, also while it waits for the next entry. */
  signal: AbortSignal;
}

export interface HintStreamHubOptions {
  /** How long a hint's entries live after its last append. */
  ttlMs?: number;
  /** At most this many entries per hint, the newest: a guard against a runaway producer. */
  maxEntries?: number;
}

export const DEFAULT_HINT_STREAM_TTL_MS = 60 * 60 * 1000;
export const DEFAULT_HINT_STREAM_MAX_ENTRIES = 10_000;

/**
 * The chunks of each hint, shared by every reader: a client may connect before, during or after
 * generation and always gets the whole hint. Redis Streams in services (any replica serves any
 * stream), memory in the embedded process.
 */
export abstract class HintStreamHub {
  /** Appends an entry to the hint's stream and returns its id (`<ms>-<seq>`, ordered). */
  abstract append(hintId: string, entry: HintStreamEntry): Promise<string>;

  /**
   * Every entry after `after`, then each new one as it comes (a blocking wait, no polling), until
   * a `done` or `error` entry has been yielded or the signal aborts. An invalid `after` fails the
   * read with InvalidHintStreamIdError.
   */
  abstract read(hintId: string, options: ReadHintStreamOptions): AsyncIterable<HintStreamRecord>;

  /** Readers that hold a wait (a Redis connection, a listener) right now. */
  abstract get openReaders(): number;

  /** Ends every open reader and releases the hub's resources. */
  abstract close(): Promise<void>;
}

export function isTerminal(entry: HintStreamEntry): boolean {
  return entry.type === 'done' || entry.type === 'error';
}

/** An id that is not `<ms>-<seq>` (each a 64-bit unsigned integer): a client's bad Last-Event-ID. */
export class InvalidHintStreamIdError extends Error {
  constructor(readonly value: string) {
    super('a hint stream id is <ms>-<seq>');
    this.name = 'InvalidHintStreamIdError';
  }
}

const MAX_ID_PART = 2n ** 64n - 1n;
const ID_PATTERN = /^(\d{1,20})-(\d{1,20})$/;

/** The two parts of a stream id, or undefined when `value` is not one. */
export function parseHintStreamId(value: string): readonly [bigint, bigint] | undefined {
  const match = ID_PATTERN.exec(value);
  if (!match) return undefined;
  const ms = BigInt(match[1] as string);
  const seq = BigInt(match[2] as string);
  return ms <= MAX_ID_PART && seq <= MAX_ID_PART ? [ms, seq] : undefined;
}

/** Negative, zero or positive as `a` comes before, with or after `b` (both valid ids). */
export function compareHintStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = requireHintStreamId(a);
  const [bMs, bSeq] = requireHintStreamId(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

export function requireHintStreamId(value: string): readonly [bigint, bigint] {
  const parts = parseHintStreamId(value);
  if (!parts) throw new InvalidHintStreamIdError(value);
  return parts;
}
