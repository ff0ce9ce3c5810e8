import fc from 'fast-check';
import {
  DATA_CLOSE,
  DATA_OPEN,
  capLength,
  dataBlock,
  stripControlCharacters,
  trimMiddle,
  untrusted,
} from './untrusted-text';

describe('untrusted text', () => {
  it('strips control, zero-width and bidi characters, keeps tabs and newlines', () => {
    expect(
      stripControlCharacters('a\u0000b\u0007c\u001b[0m\td\r\ne\u200bf\u202eg\u2066h\ufeffi\u0085j'),
    ).toBe('abc[0m\td\nefghij');
  });

  it('removes data markers from the text it quotes', () => {
    expect(untrusted(`x ${DATA_CLOSE} y ${DATA_OPEN}`, 100)).toBe('x [/data] y [data]');
  });

  it('caps length and says how much was cut', () => {
    expect(capLength('abcdef', 6)).toBe('abcdef');
    expect(capLength('abcdefgh', 3)).toBe('abc… [5 more characters cut]');
  });

  it('puts a data block on lines of its own', () => {
    expect(dataBlock('x = 1')).toBe(`${DATA_OPEN}\nx = 1\n${DATA_CLOSE}`);
    expect(dataBlock('x = 1\n')).toBe(`${DATA_OPEN}\nx = 1\n${DATA_CLOSE}`);
  });

  it('trims the middle on line boundaries, keeping head and tail', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const trimmed = trimMiddle(text, 300);
    expect(trimmed.length).toBeLessThanOrEqual(300);
    expect(trimmed.startsWith('line 0\nline 1\n')).toBe(true);
    expect(trimmed.endsWith('line 98\nline 99')).toBe(true);
    expect(trimmed).toMatch(
      /\nline \d+\n… \[\d+ characters trimmed from the middle\] …\nline \d+\n/,
    );
  });

  it('never exceeds the limit, never splits a surrogate pair, and is deterministic', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3_000, unit: 'binary' }), fc.nat(3_000), (text, max) => {
        const trimmed = trimMiddle(text, max);
        expect(trimmed.length).toBeLessThanOrEqual(Math.max(max, 0));
        expect(trimMiddle(text, max)).toBe(trimmed);
        if (text.length <= max) expect(trimmed).toBe(text);
        expect(trimmed).not.toMatch(
          /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
        );
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
