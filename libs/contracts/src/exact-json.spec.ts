import { describe, expect, it } from '@jest/globals';
import { exactIntegerText, isExactInteger, numericValue, parseExactJson } from './exact-json';

/** 2^53 + 1: the smallest positive integer a double cannot hold. */
const TWO_53_PLUS_1 = '9007199254740993';

describe('parseExactJson', () => {
  it('writes integers beyond 2^53 back through JSON.stringify with every digit', () => {
    const texts = [
      TWO_53_PLUS_1,
      '[9007199254740993,9007199254740992]',
      '{"a":{"b":[123456789012345678901234567890]}}',
      '-98765432109876543210',
      `1${'0'.repeat(400)}`,
      '[1,2.5,"12345678901234567890",null,true,12345678901234567890]',
    ];
    for (const text of texts) {
      expect(JSON.stringify(parseExactJson(text))).toBe(text);
    }
  });

  it('keeps two integers above 2^53 that one double would hold apart', () => {
    const [odd, even] = parseExactJson('[9007199254740993,9007199254740992]') as unknown[];
    expect(exactIntegerText(odd)).toBe(TWO_53_PLUS_1);
    expect(exactIntegerText(even)).toBe('9007199254740992');
  });

  it('keeps safe integers as plain numbers, even next to long digit runs', () => {
    expect(parseExactJson('[9007199254740991,-9007199254740991,0,7]')).toEqual([
      9007199254740991, -9007199254740991, 0, 7,
    ]);
    const mixed = parseExactJson('{"big":12345678901234567890,"small":42}') as Record<
      string,
      unknown
    >;
    expect(mixed.small).toBe(42);
    expect(isExactInteger(mixed.big)).toBe(true);
  });

  it('parses floats and exponent forms as JSON.parse does, even when they hold integers', () => {
    for (const text of ['1e21', '1.5', '-0.25', '1E+2', '12345678901234567890.0', '1e400']) {
      expect(parseExactJson(text)).toBe(JSON.parse(text));
      expect(parseExactJson(`[${text}, 12345678901234567890]`)).toEqual([
        JSON.parse(text),
        expect.anything(),
      ]);
    }
  });

  it('keeps a negative integer beyond -2^53 exactly', () => {
    const value = parseExactJson('-9007199254740993');
    expect(isExactInteger(value)).toBe(true);
    expect(exactIntegerText(value)).toBe('-9007199254740993');
    expect(numericValue(value)).toBe(-9007199254740992);
  });

  it('leaves digit runs inside strings as strings', () => {
    expect(parseExactJson('{"id":"12345678901234567890"}')).toEqual({
      id: '12345678901234567890',
    });
  });

  it('throws on invalid JSON, like JSON.parse', () => {
    expect(() => parseExactJson('{')).toThrow(SyntaxError);
    expect(() => parseExactJson('[12345678901234567890')).toThrow(SyntaxError);
  });
});

describe('exactIntegerText', () => {
  it('writes the digits of exact integers and of doubles that hold integers', () => {
    expect(exactIntegerText(parseExactJson(TWO_53_PLUS_1))).toBe(TWO_53_PLUS_1);
    // The same sum in code is already a double: it holds 2^53.
    expect(exactIntegerText(2 ** 53 + 1)).toBe('9007199254740992');
    expect(exactIntegerText(1e21)).toBe('1000000000000000000000');
    expect(exactIntegerText(2 ** 60)).toBe('1152921504606846976');
    expect(exactIntegerText(7)).toBe('7');
    expect(exactIntegerText(-12)).toBe('-12');
    expect(exactIntegerText(2.0)).toBe('2');
  });

  it('writes -0 as 0', () => {
    expect(exactIntegerText(-0)).toBe('0');
    expect(exactIntegerText(parseExactJson('-0'))).toBe('0');
  });

  it('is null for fractions, non-finite numbers and non-numbers', () => {
    for (const value of [1.5, NaN, Infinity, -Infinity, '12', null, undefined, [1], { a: 1 }]) {
      expect(exactIntegerText(value)).toBeNull();
    }
  });
});

describe('isExactInteger', () => {
  it('is true only for integers parseExactJson kept as digits', () => {
    expect(isExactInteger(parseExactJson(TWO_53_PLUS_1))).toBe(true);
    expect(isExactInteger(parseExactJson('9007199254740991'))).toBe(false);
    expect(isExactInteger(1e21)).toBe(false);
    expect(isExactInteger(10n)).toBe(false);
    expect(isExactInteger(TWO_53_PLUS_1)).toBe(false);
    // A look-alike object is no raw JSON value.
    expect(isExactInteger({ rawJSON: TWO_53_PLUS_1 })).toBe(false);
  });
});

describe('numericValue', () => {
  it('rounds an exact integer to the nearest double and passes everything else through', () => {
    expect(numericValue(parseExactJson(TWO_53_PLUS_1))).toBe(9007199254740992);
    expect(numericValue(parseExactJson(`1${'0'.repeat(400)}`))).toBe(Infinity);
    expect(numericValue(1.5)).toBe(1.5);
    expect(numericValue('3')).toBe('3');
    const list = [1];
    expect(numericValue(list)).toBe(list);
    expect(numericValue(null)).toBeNull();
  });
});
