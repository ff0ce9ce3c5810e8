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
});

describe('canonicalJson', () => {
  it('sorts keys and normalises -0', () => {
    expect(canonicalJson({ b: [1, -0], a: null })).toBe('{"a":null,"b":[1,0]}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});
