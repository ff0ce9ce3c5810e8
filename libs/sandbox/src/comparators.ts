import { exactIntegerText, isExactInteger, numericValue } from '@studypath/contracts';
import type { Comparator } from '@studypath/problem-bank';

/** Deeper values than this match nothing (results are validated to far less on the way in). */
export const MAX_COMPARE_DEPTH = 256;
/** Values with more nodes than this match nothing. */
export const MAX_COMPARE_NODES = 4_000_000;

const NON_FINITE = '#non-finite';

class TooLarge extends Error {}

function scalarText(value: unknown): string | null {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || isExactInteger(value)) {
    const integer = exactIntegerText(value);
    if (integer !== null) return integer;
    // JSON has no Infinity or NaN: a token that is no JSON text matches no expected value.
    return Number.isFinite(value) ? JSON.stringify(value) : NON_FINITE;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value !== 'object') return JSON.stringify(String(value));
  return null;
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A canonical text for a JSON value: object keys sorted, numbers by value (2 and 2.0 agree,
 * integers by their exact digits), so that two values are deeply equal exactly when their
 * canonical texts are. Iterative; throws TooLarge past the depth and size limits.
 */
function canonical(root: unknown): string {
  const out: string[] = [];
  const stack: ({ value: unknown; depth: number } | string)[] = [{ value: root, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number } | string;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    if (++nodes > MAX_COMPARE_NODES || item.depth > MAX_COMPARE_DEPTH) throw new TooLarge();
    const { value, depth } = item;
    const scalar = scalarText(value);
    if (scalar !== null) {
      out.push(scalar);
      continue;
    }
    if (Array.isArray(value)) {
      out.push('[');
      stack.push(']');
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i] as unknown, depth: depth + 1 });
        if (i > 0) stack.push(',');
      }
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>).sort(byKey);
    out.push('{');
    stack.push('}');
    for (let i = entries.length - 1; i >= 0; i--) {
      stack.push({ value: entries[i][1], depth: depth + 1 });
      stack.push(`${JSON.stringify(entries[i][0])}:`);
      if (i > 0) stack.push(',');
    }
  }
  return out.join('');
}

/** The canonical text of a value, or null when it is too deep or too large to compare. */
export function canonicalJson(value: unknown): string | null {
  try {
    return canonical(value);
  } catch (error) {
    if (error instanceof TooLarge || error instanceof RangeError) return null;
    throw error;
  }
}

function equal(actual: unknown, expected: unknown): boolean {
  const a = canonicalJson(actual);
  return a !== null && a === canonicalJson(expected);
}

function sortedKeys(values: unknown[], key: (value: unknown) => string | null): string[] | null {
  const keys: string[] = [];
  for (const value of values) {
    const k = key(value);
    if (k === null) return null;
    keys.push(k);
  }
  return keys.sort();
}

function sameMultiset(
  actual: unknown,
  expected: unknown,
  key: (value: unknown) => string | null,
): boolean {
  if (!Array.isArray(actual) || !Array.isArray(expected)) return false;
  if (actual.length !== expected.length) return false;
  const a = sortedKeys(actual, key);
  const e = sortedKeys(expected, key);
  return a !== null && e !== null && a.every((k, i) => k === e[i]);
}

/** An inner list's key that ignores the order of its elements. */
function multisetKey(value: unknown): string | null {
  if (!Array.isArray(value)) return canonicalJson(value);
  const keys = sortedKeys(value, canonicalJson);
  return keys === null ? null : `[${keys.join(',')}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !isExactInteger(value)
  );
}

function closeNumbers(actual: number, expected: number, tolerance: number): boolean {
  // Infinity is within any relative tolerance of everything: a non-finite number matches nothing.
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return false;
  const diff = Math.abs(actual - expected);
  return diff <= tolerance || diff <= tolerance * Math.max(Math.abs(actual), Math.abs(expected));
}

/** Equal up to a tolerance on every number, walked iteratively with the same limits. */
function closeEnough(actualRoot: unknown, expectedRoot: unknown, tolerance: number): boolean {
  const stack: [unknown, unknown, number][] = [[actualRoot, expectedRoot, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [rawActual, rawExpected, depth] = stack.pop() as [unknown, unknown, number];
    if (++nodes > MAX_COMPARE_NODES || depth > MAX_COMPARE_DEPTH) return false;
    const actual = numericValue(rawActual);
    const expected = numericValue(rawExpected);
    if (typeof actual === 'number' && typeof expected === 'number') {
      if (!closeNumbers(actual, expected, tolerance)) return false;
    } else if (Array.isArray(actual) && Array.isArray(expected)) {
      if (actual.length !== expected.length) return false;
      for (let i = 0; i < actual.length; i++) stack.push([actual[i], expected[i], depth + 1]);
    } else if (isPlainObject(actual) && isPlainObject(expected)) {
      const keys = Object.keys(expected);
      if (Object.keys(actual).length !== keys.length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(actual, key)) return false;
        stack.push([actual[key], expected[key], depth + 1]);
      }
    } else if (!equal(actual, expected)) {
      return false;
    }
  }
  return true;
}

/** Whether a function's result (as JSON) matches the expected value under a problem's comparator. */
export function compareResult(comparator: Comparator, actual: unknown, expected: unknown): boolean {
  switch (comparator.kind) {
    case 'exact':
      return equal(actual, expected);
    case 'unordered':
      return sameMultiset(actual, expected, canonicalJson);
    case 'unordered_nested':
      return sameMultiset(actual, expected, multisetKey);
    case 'float':
      return closeEnough(actual, expected, comparator.tolerance);
  }
}
