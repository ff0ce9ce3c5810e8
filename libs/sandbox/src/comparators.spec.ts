import { describe, expect, it } from '@jest/globals';
import { parseExactJson } from '@studypath/contracts';
import type { Comparator } from '@studypath/problem-bank';
import { canonicalJson, compareResult, MAX_COMPARE_DEPTH } from './comparators';

const COMPARATORS: Comparator[] = [
  { kind: 'exact' },
  { kind: 'unordered' },
  { kind: 'unordered_nested' },
  { kind: 'float', tolerance: 1e-6 },
];

/** 2^53 + 1 and 2^53 as parsed from a result line: a double would hold both as 2^53. */
const [ODD, EVEN] = parseExactJson('[9007199254740993,9007199254740992]') as unknown[];
const integer = (digits: string) => parseExactJson(digits);

/** `[[[…[0]…]]]`, `depth` arrays deep, built without recursion. */
function nestedList(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('compareResult', () => {
  it('exact: deep JSON equality, numbers by value, key order ignored', () => {
    const exact = { kind: 'exact' } as const;
    expect(compareResult(exact, [1, [2, 3]], [1, [2, 3]])).toBe(true);
    expect(compareResult(exact, [1, [3, 2]], [1, [2, 3]])).toBe(false);
    expect(compareResult(exact, 2.0, 2)).toBe(true);
    expect(compareResult(exact, { b: 1, a: [true] }, { a: [true], b: 1 })).toBe(true);
    expect(compareResult(exact, 1, true)).toBe(false);
    expect(compareResult(exact, '1', 1)).toBe(false);
    expect(compareResult(exact, null, [])).toBe(false);
    expect(compareResult(exact, 'NaN', null)).toBe(false);
  });

  it('exact: a boolean is not its text, nor a string a list of its characters', () => {
    const exact = { kind: 'exact' } as const;
    expect(compareResult(exact, true, 'true')).toBe(false);
    expect(compareResult(exact, 'true', true)).toBe(false);
    expect(compareResult(exact, false, false)).toBe(true);
    expect(compareResult(exact, 'ab', 'ab')).toBe(true);
    expect(compareResult(exact, 'ab', ['a', 'b'])).toBe(false);
    expect(compareResult(exact, { a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('unordered: top-level elements as a multiset', () => {
    const unordered = { kind: 'unordered' } as const;
    expect(compareResult(unordered, [3, 1, 2], [1, 2, 3])).toBe(true);
    expect(compareResult(unordered, [[1, 2], [3]], [[3], [1, 2]])).toBe(true);
    expect(compareResult(unordered, [[2, 1], [3]], [[3], [1, 2]])).toBe(false);
    expect(compareResult(unordered, [1, 1, 2], [1, 2, 2])).toBe(false);
    expect(compareResult(unordered, [1, 2], [1, 2, 2])).toBe(false);
    expect(compareResult(unordered, 'ab', ['a', 'b'])).toBe(false);
  });

  it('unordered_nested: outer and inner order ignored, multiplicities kept', () => {
    const nested = { kind: 'unordered_nested' } as const;
    expect(compareResult(nested, [['b', 'a'], ['c']], [['c'], ['a', 'b']])).toBe(true);
    expect(compareResult(nested, [[1, 1, 2]], [[1, 2, 2]])).toBe(false);
    expect(compareResult(nested, [[1], [1]], [[1]])).toBe(false);
    expect(compareResult(nested, [], [])).toBe(true);
  });

  it('unordered_nested: inner elements stay separate values', () => {
    const nested = { kind: 'unordered_nested' } as const;
    expect(compareResult(nested, [[12]], [[1, 2]])).toBe(false);
    expect(compareResult(nested, [['1,2']], [['1', '2']])).toBe(false);
    expect(compareResult(nested, [[2, 1], 3], [3, [1, 2]])).toBe(true);
  });

  it('a non-finite number (a result too large for JSON) matches nothing, not even null', () => {
    const float = { kind: 'float', tolerance: 1e-6 } as const;
    for (const huge of [Infinity, -Infinity, NaN]) {
      expect(compareResult(float, huge, 1.5)).toBe(false);
      expect(compareResult(float, huge, huge)).toBe(false);
      expect(compareResult(float, [huge], [2])).toBe(false);
      expect(compareResult({ kind: 'exact' }, huge, null)).toBe(false);
      expect(compareResult({ kind: 'unordered' }, [huge], [null])).toBe(false);
    }
    expect(compareResult(float, Infinity, -Infinity)).toBe(false);
  });

  it('float: absolute or relative tolerance, also inside lists', () => {
    const float = { kind: 'float', tolerance: 1e-6 } as const;
    expect(compareResult(float, 0.1 + 0.2, 0.3)).toBe(true);
    expect(compareResult(float, 1e12 + 1, 1e12)).toBe(true);
    expect(compareResult(float, 1.001, 1)).toBe(false);
    expect(compareResult(float, [1.0000001, [2]], [1, [2.0000001]])).toBe(true);
    expect(compareResult(float, [1, 2], [1])).toBe(false);
    expect(compareResult(float, 'x', 'x')).toBe(true);
    expect(compareResult(float, { a: 1.0000001 }, { a: 1 })).toBe(true);
  });

  it('float: within the tolerance, absolute or relative, bounds included', () => {
    const half = { kind: 'float', tolerance: 0.5 } as const;
    // Absolute: |0 - 0.5| = 0.5 is within 0.5, though 0.5 × max(|0|, |0.5|) = 0.25 is not.
    expect(compareResult(half, 0, 0.5)).toBe(true);
    expect(compareResult(half, 0, 0.75)).toBe(false);
    // Relative: |4 - 8| = 4 is 0.5 × max(|4|, |8|), though only 0.5 × min = 2 absolutely.
    expect(compareResult(half, 4, 8)).toBe(true);
    expect(compareResult(half, 8, 4)).toBe(true);
    expect(compareResult(half, 3.9, 8)).toBe(false);
    expect(compareResult(half, -4, -8)).toBe(true);
    // Small values compare absolutely: a relative tolerance of them would be far tighter.
    const float = { kind: 'float', tolerance: 1e-6 } as const;
    expect(compareResult(float, 0, 1e-7)).toBe(true);
    expect(compareResult(float, 0, 1e-5)).toBe(false);
    expect(compareResult({ kind: 'float', tolerance: 0 } as const, 2.5, 2.5)).toBe(true);
  });

  it('float: numbers only match numbers, lists lists and objects objects', () => {
    const float = { kind: 'float', tolerance: 0.5 } as const;
    expect(compareResult(float, 1, '1')).toBe(false);
    expect(compareResult(float, '1', 1)).toBe(false);
    expect(compareResult(float, ['a', 'b'], 'ab')).toBe(false);
    expect(compareResult(float, 'ab', ['a', 'b'])).toBe(false);
    expect(compareResult(float, 'ab', { 0: 'a', 1: 'b' })).toBe(false);
    expect(compareResult(float, 1, {})).toBe(false);
    expect(compareResult(float, {}, 1)).toBe(false);
    expect(compareResult(float, null, { a: 1 })).toBe(false);
    expect(compareResult(float, { a: 1 }, null)).toBe(false);
    expect(compareResult(float, [1], { 0: 1 })).toBe(false);
    expect(compareResult(float, { 0: 1 }, [1])).toBe(false);
    expect(compareResult(float, null, null)).toBe(true);
    expect(compareResult(float, 'x', 'y')).toBe(false);
  });

  it('float: every element and every key is compared', () => {
    const float = { kind: 'float', tolerance: 1e-6 } as const;
    expect(compareResult(float, [1], [1, 2])).toBe(false);
    expect(compareResult(float, [1, 2], [1, 3])).toBe(false);
    expect(compareResult(float, [1, 3], [2, 3])).toBe(false);
    expect(compareResult(float, { a: 1, b: 2 }, { a: 1, b: 3 })).toBe(false);
    expect(compareResult(float, { a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(compareResult(float, { a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(compareResult(float, { a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(compareResult(float, { a: 1, b: [2] }, { b: [2.0000001], a: 1 })).toBe(true);
  });
});

describe('compareResult: exact integers beyond 2^53', () => {
  it('tells apart two integers that one double would hold, and matches equal ones', () => {
    expect(compareResult({ kind: 'exact' }, ODD, EVEN)).toBe(false);
    expect(compareResult({ kind: 'exact' }, ODD, integer('9007199254740993'))).toBe(true);
    expect(compareResult({ kind: 'exact' }, [ODD, 1], [integer('9007199254740993'), 1])).toBe(true);
    expect(
      compareResult(
        { kind: 'exact' },
        integer('-123456789012345678901'),
        integer('-123456789012345678902'),
      ),
    ).toBe(false);
  });

  it('matches an exact integer against a double holding the same integer', () => {
    const exact = { kind: 'exact' } as const;
    expect(compareResult(exact, EVEN, 2 ** 53)).toBe(true);
    expect(compareResult(exact, 2 ** 53, EVEN)).toBe(true);
    expect(compareResult(exact, integer('1000000000000000000000'), 1e21)).toBe(true);
    expect(compareResult(exact, integer('1152921504606846976'), 2 ** 60)).toBe(true);
    // The double nearest 2^53 + 1 is 2^53: digit by digit they differ.
    expect(compareResult(exact, ODD, 2 ** 53)).toBe(false);
  });

  it('an exact integer is not its digits as a string', () => {
    expect(compareResult({ kind: 'exact' }, ODD, '9007199254740993')).toBe(false);
    expect(compareResult({ kind: 'exact' }, '9007199254740993', ODD)).toBe(false);
  });

  it('unordered comparators compare exact integers by their digits', () => {
    const big = (last: number) => integer(`1234567890123456789${last}`);
    const unordered = { kind: 'unordered' } as const;
    expect(compareResult(unordered, [big(1), big(2), ODD], [EVEN, big(2), big(1)])).toBe(false);
    expect(compareResult(unordered, [big(1), big(2), ODD], [ODD, big(2), big(1)])).toBe(true);
    expect(compareResult(unordered, [big(1), big(1)], [big(1), big(2)])).toBe(false);
    const nested = { kind: 'unordered_nested' } as const;
    expect(compareResult(nested, [[big(2), big(1)], [ODD]], [[ODD], [big(1), big(2)]])).toBe(true);
    expect(compareResult(nested, [[big(2), big(1)], [ODD]], [[EVEN], [big(1), big(2)]])).toBe(
      false,
    );
  });

  it('float compares an exact integer by its nearest double', () => {
    const float = { kind: 'float', tolerance: 1e-9 } as const;
    expect(compareResult(float, ODD, 2 ** 53)).toBe(true);
    expect(
      compareResult(float, [integer('-12345678901234567890')], [Number('-12345678901234567890')]),
    ).toBe(true);
    expect(compareResult(float, integer('1000000000000000000000'), 2e21)).toBe(false);
  });

  it('10**400 as an exact integer matches no float expectation', () => {
    const huge = integer(`1${'0'.repeat(400)}`);
    for (const tolerance of [1e-6, 0.5, 1e300]) {
      const float = { kind: 'float', tolerance } as const;
      for (const expected of [Number.MAX_VALUE, 1e308, 0, -1e308]) {
        expect(compareResult(float, huge, expected)).toBe(false);
        expect(compareResult(float, [huge], [expected])).toBe(false);
      }
    }
  });
});

describe('compareResult: values too deep or too large to compare', () => {
  const deep = nestedList(10_000);

  it('a result nested 10,000 levels deep matches nothing under any comparator, without throwing', () => {
    for (const comparator of COMPARATORS) {
      expect(compareResult(comparator, deep, deep)).toBe(false);
      expect(compareResult(comparator, deep, [0])).toBe(false);
      expect(compareResult(comparator, [deep], [deep])).toBe(false);
      expect(compareResult(comparator, [1, 2], [deep, 2])).toBe(false);
      expect(compareResult(comparator, { a: deep }, { a: deep })).toBe(false);
    }
  });

  it('compares values nested up to the depth limit under every comparator', () => {
    for (const comparator of COMPARATORS) {
      const limit = nestedList(MAX_COMPARE_DEPTH);
      expect(compareResult(comparator, limit, nestedList(MAX_COMPARE_DEPTH))).toBe(true);
    }
  });

  it('exact and float match nothing a level past the depth limit', () => {
    const over = nestedList(MAX_COMPARE_DEPTH + 1);
    for (const comparator of [COMPARATORS[0], COMPARATORS[3]]) {
      expect(compareResult(comparator, over, nestedList(MAX_COMPARE_DEPTH + 1))).toBe(false);
    }
  });

  it('every comparator matches nothing a few levels past the depth limit', () => {
    // The unordered comparators key each element (each inner element, for unordered_nested)
    // on its own, so the limit applies one or two levels below the top.
    const over = nestedList(MAX_COMPARE_DEPTH + 3);
    for (const comparator of COMPARATORS) {
      expect(compareResult(comparator, over, nestedList(MAX_COMPARE_DEPTH + 3))).toBe(false);
    }
  });
});

describe('canonicalJson', () => {
  it('sorts keys and normalises -0', () => {
    expect(canonicalJson({ b: [1, -0], a: null })).toBe('{"a":null,"b":[1,0]}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes strings, booleans and numbers as JSON', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(2.5)).toBe('2.5');
    expect(canonicalJson(2.0)).toBe('2');
    expect(canonicalJson({ z: 1, a: { y: 2, b: 3 }, m: 'x' })).toBe(
      '{"a":{"b":3,"y":2},"m":"x","z":1}',
    );
  });

  it('writes integers by their exact digits, whether exact or held by a double', () => {
    expect(canonicalJson(ODD)).toBe('9007199254740993');
    expect(canonicalJson([EVEN, integer('-123456789012345678901')])).toBe(
      '[9007199254740992,-123456789012345678901]',
    );
    expect(canonicalJson(1e21)).toBe('1000000000000000000000');
    expect(canonicalJson(integer('1000000000000000000000'))).toBe('1000000000000000000000');
  });

  it('writes a non-finite number as a token that is no JSON text', () => {
    for (const value of [Infinity, -Infinity, NaN]) {
      const text = canonicalJson(value);
      expect(text).not.toBeNull();
      expect(() => JSON.parse(text as string)).toThrow(SyntaxError);
    }
  });

  it('writes a value nested to the depth limit, and is null for a deeper one', () => {
    expect(canonicalJson(nestedList(MAX_COMPARE_DEPTH))).toBe(
      `${'['.repeat(MAX_COMPARE_DEPTH)}0${']'.repeat(MAX_COMPARE_DEPTH)}`,
    );
    expect(canonicalJson(nestedList(MAX_COMPARE_DEPTH + 1))).toBeNull();
    expect(canonicalJson(nestedList(100_000))).toBeNull();
    expect(canonicalJson({ a: [nestedList(MAX_COMPARE_DEPTH)] })).toBeNull();
  });
});
