import { describe, expect, it } from '@jest/globals';
import { canonicalJson, compareResult } from './comparators';

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

describe('canonicalJson', () => {
  it('sorts keys and normalises -0', () => {
    expect(canonicalJson({ b: [1, -0], a: null })).toBe('{"a":null,"b":[1,0]}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes strings, booleans and numbers as JSON, anything else by its text', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(2.5)).toBe('2.5');
    expect(canonicalJson(10n)).toBe('"10"');
    expect(canonicalJson({ z: 1, a: { y: 2, b: 3 }, m: 'x' })).toBe(
      '{"a":{"b":3,"y":2},"m":"x","z":1}',
    );
  });
});
