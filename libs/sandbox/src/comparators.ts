import type { Comparator } from '@studypath/problem-bank';

const NON_FINITE = '#non-finite';

/**
 * A canonical text for a JSON value: object keys sorted, numbers by value (so 2 and 2.0 agree), so
 * that two values are deeply equal exactly when their canonical texts are.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  // JSON has no Infinity or NaN (a huge result, 10**400, parses as Infinity): JSON.stringify would
  // write null; a token that is no JSON text matches no expected value.
  if (typeof value === 'number' && !Number.isFinite(value)) return NON_FINITE;
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : JSON.stringify(value);
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(String(value));
}

function sortedKeys(values: unknown[], key: (value: unknown) => string): string[] {
  return values.map(key).sort();
}

function sameMultiset(
  actual: unknown,
  expected: unknown,
  key: (value: unknown) => string,
): boolean {
  if (!Array.isArray(actual) || !Array.isArray(expected)) return false;
  if (actual.length !== expected.length) return false;
  const a = sortedKeys(actual, key);
  const e = sortedKeys(expected, key);
  return a.every((k, i) => k === e[i]);
}

/** An inner list's key that ignores the order of its elements. */
function multisetKey(value: unknown): string {
  return Array.isArray(value)
    ? `[${sortedKeys(value, canonicalJson).join(',')}]`
    : canonicalJson(value);
}

function closeEnough(actual: unknown, expected: unknown, tolerance: number): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') {
    // Infinity is within any relative tolerance of everything: a non-finite number matches nothing.
    if (!Number.isFinite(actual) || !Number.isFinite(expected)) return false;
    const diff = Math.abs(actual - expected);
    return diff <= tolerance || diff <= tolerance * Math.max(Math.abs(actual), Math.abs(expected));
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return (
      actual.length === expected.length &&
      actual.every((item, i) => closeEnough(item, expected[i], tolerance))
    );
  }
  if (
    actual !== null &&
    expected !== null &&
    typeof actual === 'object' &&
    typeof expected === 'object' &&
    !Array.isArray(actual) &&
    !Array.isArray(expected)
  ) {
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = Object.keys(e);
    return (
      Object.keys(a).length === keys.length &&
      keys.every((k) => Object.hasOwn(a, k) && closeEnough(a[k], e[k], tolerance))
    );
  }
  return canonicalJson(actual) === canonicalJson(expected);
}

/** Whether a function's result (as JSON) matches the expected value under a problem's comparator. */
export function compareResult(comparator: Comparator, actual: unknown, expected: unknown): boolean {
  switch (comparator.kind) {
    case 'exact':
      return canonicalJson(actual) === canonicalJson(expected);
    case 'unordered':
      return sameMultiset(actual, expected, canonicalJson);
    case 'unordered_nested':
      return sameMultiset(actual, expected, multisetKey);
    case 'float':
      return closeEnough(actual, expected, comparator.tolerance);
  }
}
