/**
 * JSON with exact integers. `JSON.parse` turns every number into a double, so two different
 * integers above 2^53 (9007199254740993 and 9007199254740992) read as the same value. Here an
 * integer literal that a double cannot hold exactly stays its digits, as a raw JSON value
 * (`JSON.rawJSON`, Node 22+): `JSON.stringify` writes it back unchanged and `exactIntegerText`
 * reads it. Everything else parses as `JSON.parse` would.
 */

interface RawJson {
  readonly rawJSON: string;
}

/** The parts of ES2025's JSON that TypeScript's lib does not declare yet. */
const json = JSON as JSON & {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
};

const INTEGER_LITERAL = /^-?\d+$/;
/** Sixteen digits in a row: the only texts in which an integer can exceed 2^53. */
const LONG_DIGIT_RUN = /\d{16}/;

function exactIntegers(_key: string, value: unknown, context: { source?: string }): unknown {
  if (
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context.source !== undefined &&
    INTEGER_LITERAL.test(context.source)
  ) {
    return json.rawJSON(context.source);
  }
  return value;
}

/** `JSON.parse`, except that integers beyond 2^53 keep every digit (see `exactIntegerText`). */
export function parseExactJson(text: string): unknown {
  // The reviver visits every value: skip it when no number can be that long.
  return LONG_DIGIT_RUN.test(text) ? json.parse(text, exactIntegers) : JSON.parse(text);
}

/**
 * The decimal digits of an integer value, exactly: an exact integer from `parseExactJson`, or a
 * number with an integer value (a double above 2^53 by the integer it holds, 1e21 as 21 digits).
 * Null for anything else (fractions, NaN and infinities, non-numbers).
 */
export function exactIntegerText(value: unknown): string | null {
  if (json.isRawJSON(value)) return BigInt(value.rawJSON).toString();
  if (typeof value === 'number' && Number.isInteger(value)) {
    return Number.isSafeInteger(value)
      ? String(Object.is(value, -0) ? 0 : value)
      : BigInt(value).toString();
  }
  return null;
}

/** Whether a value is an exact integer from `parseExactJson` (too large for a double). */
export function isExactInteger(value: unknown): value is RawJson {
  return json.isRawJSON(value);
}

/** A number's value as a double: an exact integer rounds to the nearest; other values pass through. */
export function numericValue(value: unknown): unknown {
  return json.isRawJSON(value) ? Number(value.rawJSON) : value;
}
