import { CappedText, stripUnsafeCharacters } from './llm-text';

describe('stripUnsafeCharacters', () => {
  it('keeps text, tabs and newlines; drops other controls and bidi overrides', () => {
    expect(stripUnsafeCharacters('a\tb\nc\r\n\u0000\u001b[2J\u0085\u202e\u2066d é 😀')).toBe(
      'a\tb\nc\n[2Jd é 😀',
    );
  });
});

describe('CappedText', () => {
  it('keeps what fits and says when the cap was reached', () => {
    const text = new CappedText(5);
    expect(text.append('abc')).toBe('abc');
    expect(text.full).toBe(false);
    expect(text.append('defg')).toBe('de');
    expect(text.full).toBe(true);
    expect(text.append('h')).toBe('');
    expect(text.value).toBe('abcde');
  });

  it('never cuts a surrogate pair in half', () => {
    const text = new CappedText(3);
    expect(text.append('ab😀')).toBe('ab');
    expect(text.value).toBe('ab');
    expect(text.full).toBe(true);
  });
});
