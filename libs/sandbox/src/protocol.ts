import { parseExactJson } from '@studypath/contracts';

/*
 * The harness's result channel (fd 3), read by the runner. Once the submission's code has been
 * loaded it can write to that fd as well as the harness can, so every line is untrusted: it is
 * parsed with limits (nesting depth, exact integers) and checked field by field before anything
 * in it is used. A line that fails is `null`: only the submission writes those.
 */

/** How deeply a function's result may nest (a 3-D grid is 3; a list of lists of pairs is 3). */
export const MAX_RESULT_DEPTH = 100;
/** The longest message the runner takes from the harness (the harness cuts at 2,000). */
export const MAX_HARNESS_MESSAGE = 4000;
/** A wall-clock time larger than this (ms) is no time the harness measured. */
const MAX_WALL_MS = 10_000_000;
/** More tests than this in one run is no test index. */
const MAX_TEST_INDEX = 1_000_000;

export type LoadErrorKind = 'syntax' | 'load' | 'missing' | 'memory';
export type TestErrorKind = 'exception' | 'memory' | 'result';

/** One line the harness writes on the result channel. */
export type HarnessEvent =
  | { t: 'hello' }
  | { t: 'ready' }
  | { t: 'load_error'; kind: LoadErrorKind; message: string }
  | { t: 'test'; i: number; ok: true; actual: unknown; wall_ms: number }
  | { t: 'test'; i: number; ok: false; kind: TestErrorKind; message: string; wall_ms: number }
  /** The sample tests are done: the harness asks for the hidden tests' arguments (fd 4). */
  | { t: 'next' }
  | { t: 'done' }
  | { t: 'fatal'; kind: 'memory' | 'harness'; message: string };

const LOAD_ERROR_KINDS: readonly string[] = ['syntax', 'load', 'missing', 'memory'];
const TEST_ERROR_KINDS: readonly string[] = ['exception', 'memory', 'result'];
const FATAL_KINDS: readonly string[] = ['memory', 'harness'];

/** Whether brackets in a JSON text nest deeper than `limit` (strings skipped), without parsing it. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

type Fields = Record<string, unknown>;

function hasOnly(fields: Fields, keys: readonly string[]): boolean {
  return Object.keys(fields).every((key) => keys.includes(key));
}

function isMessage(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_HARNESS_MESSAGE;
}

function isIndex(value: unknown): value is number {
  return (
    Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < MAX_TEST_INDEX
  );
}

function isWallMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_WALL_MS;
}

function oneOf(value: unknown, allowed: readonly string[]): boolean {
  return typeof value === 'string' && allowed.includes(value);
}

function validate(fields: Fields): HarnessEvent | null {
  switch (fields.t) {
    case 'hello':
    case 'ready':
    case 'next':
    case 'done':
      return hasOnly(fields, ['t']) ? (fields as HarnessEvent) : null;
    case 'load_error':
      return hasOnly(fields, ['t', 'kind', 'message']) &&
        oneOf(fields.kind, LOAD_ERROR_KINDS) &&
        isMessage(fields.message)
        ? (fields as HarnessEvent)
        : null;
    case 'fatal':
      return hasOnly(fields, ['t', 'kind', 'message']) &&
        oneOf(fields.kind, FATAL_KINDS) &&
        isMessage(fields.message)
        ? (fields as HarnessEvent)
        : null;
    case 'test':
      if (!isIndex(fields.i) || !isWallMs(fields.wall_ms)) return null;
      if (fields.ok === true) {
        return hasOnly(fields, ['t', 'i', 'ok', 'actual', 'wall_ms']) && 'actual' in fields
          ? (fields as HarnessEvent)
          : null;
      }
      return fields.ok === false &&
        hasOnly(fields, ['t', 'i', 'ok', 'kind', 'message', 'wall_ms']) &&
        oneOf(fields.kind, TEST_ERROR_KINDS) &&
        isMessage(fields.message)
        ? (fields as HarnessEvent)
        : null;
    default:
      return null;
  }
}

/** A line of the result channel as a harness event, or null when it is not one. */
export function parseHarnessLine(line: string): HarnessEvent | null {
  // The event object itself is one level.
  if (nestsDeeperThan(line, MAX_RESULT_DEPTH + 1)) return null;
  let fields: unknown;
  try {
    fields = parseExactJson(line);
  } catch {
    return null;
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return null;
  return validate(fields as Fields);
}
