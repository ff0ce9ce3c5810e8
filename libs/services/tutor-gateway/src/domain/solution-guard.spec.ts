import fc from 'fast-check';
import { findFunctions, guardHint, languagesGuarded, streamableLength } from './solution-guard';
import type { TutorHintLevel, TutorLanguage } from './tutor.types';

const fence = '```';

function cut(text: string, level: TutorHintLevel = 1, language: TutorLanguage = 'python') {
  return guardHint(text, { level, language });
}

describe('solution guard: Python', () => {
  it.each([
    [
      'a fenced function that returns',
      `Try this:\n\n${fence}python\ndef longest(steps):\n    best = 0\n    return best\n${fence}\nGood luck.`,
    ],
    [
      'an unfenced function with several statements and no return',
      'Here is how:\ndef fill(grid):\n    for row in grid:\n        row.sort()\n    grid.reverse()\n',
    ],
    ['a one-line helper', 'Use a key:\ndef key(pair): return pair[1]\n'],
    ['a generator', 'def walk(node):\n    yield node\n'],
    ['an async def with annotations', 'async def go(a: list[int]) -> int:\n    return len(a)\n'],
    [
      'a header over several lines',
      'def merge(\n    left,\n    right,\n):\n    return sorted(left + right)\n',
    ],
    ['a function after a docstring', 'def f(x):\n    """Doubles x."""\n    return x * 2\n'],
    ['a function in inline backticks', 'Write `def f(x): return x * 2` and you are done.'],
    [
      'a function with a blank line inside its body',
      'def f(xs):\n    total = 0\n\n    for x in xs:\n        total += x\n    return total\n',
    ],
    ['a function in a block quote', '> def f(xs):\n>     return sum(xs)\n'],
  ])('cuts %s', (_, text) => {
    const verdict = cut(text);
    expect(verdict.kind).toBe('cut');
  });

  it.each([
    ['a header alone', 'Start from the stub:\ndef longest(steps):\n'],
    ['a stub with pass', 'def longest(steps):\n    pass\n'],
    [
      'a skeleton with a placeholder line',
      'def longest(steps):\n    seen = {0: -1}\n    ...\n    return best\n',
    ],
    [
      'a skeleton with a TODO comment',
      'def longest(steps):\n    # TODO: track the height\n    return 0\n',
    ],
    ['two statements and no return', 'def f(xs):\n    xs.sort()\n    print(xs)\n'],
    ['a lambda', 'Sort with `key=lambda p: p[1]`.'],
    ['a call, not a definition', 'Call `longest(steps)` on a small input first.'],
    ['prose that says def', 'The word def starts a function in Python.'],
    ['a snippet without a function', `${fence}python\nheight += 1 if ch == "U" else -1\n${fence}`],
    [
      'pseudocode',
      'function longest(steps):\n    height = 0\n    for each step: update height\n    return the best\n',
    ],
  ])('lets %s through', (_, text) => {
    expect(cut(text)).toEqual({ kind: 'allowed' });
  });

  it('cuts before the fence that holds the function, keeping the text before it', () => {
    const text = `Think about heights.\n\n${fence}python\ndef f(s):\n    return 0\n${fence}\n`;
    const verdict = cut(text);
    expect(verdict).toMatchObject({
      kind: 'cut',
      cutAt: text.indexOf(fence),
      kept: 'Think about heights.',
      found: { language: 'python', name: 'f', complete: true },
    });
  });

  it('cuts at the start of the line of an unfenced function', () => {
    const text = 'Like this:\n    def f(s):\n        return 0\n';
    const verdict = cut(text);
    expect(verdict).toMatchObject({
      kind: 'cut',
      cutAt: text.indexOf('    def'),
      kept: 'Like this:',
    });
  });

  it('cuts at the first complete function when there are several', () => {
    const text =
      'def a(x):\n    pass\n\nNow:\ndef b(x):\n    return x\n\ndef c(x):\n    return x\n';
    expect(cut(text)).toMatchObject({ kind: 'cut', found: { name: 'b' } });
  });

  it('ends a body at the first line indented no deeper than the def', () => {
    const text = 'def f(x):\n    x.sort()\nreturn x\nprint(x)\n';
    expect(cut(text)).toEqual({ kind: 'allowed' });
  });
});

describe('solution guard: JavaScript', () => {
  const js = (text: string, level: TutorHintLevel = 1) => cut(text, level, 'javascript');

  it.each([
    ['a function declaration', 'function longest(steps) {\n  let best = 0;\n  return best;\n}'],
    ['a one-line function', 'Use `function key(p) { return p[1]; }` as a helper.'],
    ['an async generator', 'async function* pages(api) {\n  yield await api.next();\n}'],
    [
      'a function with several statements and no return',
      'function fill(grid) {\n  grid.sort();\n  grid.reverse();\n  grid.pop();\n}',
    ],
    ['an arrow with a block body', 'const longest = (steps) => {\n  return steps.length;\n};'],
    ['an arrow with one parameter and no parentheses', 'let twice = x => { return 2 * x; };'],
    ['an arrow with an expression body', 'const key = (p) => p[1];'],
    ['an async arrow', 'const load = async (id) => {\n  return await get(id);\n};'],
    ['a function expression assigned', 'const f = function (a, b) {\n  return a - b;\n};'],
    ['an exported function', 'export function f(a) {\n  return a;\n}'],
    [
      'a fenced function with braces in strings and comments',
      `${fence}js\nfunction f(s) {\n  // a } in a comment\n  const open = "{";\n  return s + open;\n}\n${fence}`,
    ],
    [
      'a function with default parameters holding parentheses',
      'function f(a = g(1), b = []) {\n  return a;\n}',
    ],
    ['a function with its brace on the next line', 'function f(a)\n{\n  return a;\n}'],
    ['an arrow on the line after its binding', 'const pick =\n  (p) => p[0];'],
  ])('cuts %s', (_, text) => {
    expect(js(text).kind).toBe('cut');
  });

  it.each([
    ['a stub', 'function longest(steps) {\n  // your code\n}'],
    [
      'an unclosed body',
      'function longest(steps) {\n  let height = 0;\n  for (const ch of steps) {',
    ],
    [
      'a body with an ellipsis',
      'function longest(steps) {\n  const first = new Map();\n  // ...\n  return best;\n}',
    ],
    ['an inline callback', 'Sort with `pairs.sort((a, b) => a[1] - b[1])`.'],
    ['an anonymous callback', 'items.forEach(function (item) { return item; });'],
    ['a header with no body yet', 'const f = (a) =>'],
    ['a call', 'Call longest("UUU") and print the result.'],
    ['prose that says function', 'The function you write gets one argument.'],
    ['pseudocode with a colon', 'function longest(steps):\n  return the best\n'],
    ['a statement snippet', `${fence}js\nheight += ch === "U" ? 1 : -1;\n${fence}`],
  ])('lets %s through', (_, text) => {
    expect(js(text)).toEqual({ kind: 'allowed' });
  });

  it('does not match braces across code fences', () => {
    const text = `${fence}js\nfunction f(a) {\n  let b = a;\n${fence}\nThen:\n${fence}js\n  return b;\n}\n${fence}`;
    expect(js(text)).toEqual({ kind: 'allowed' });
  });
});

describe('solution guard: levels and languages', () => {
  const python = 'def f(x):\n    return x\n';
  const javascript = 'function f(x) {\n  return x;\n}';

  it('checks both languages at levels 1 and 2, only the problem language at level 3', () => {
    expect(languagesGuarded(1, 'python')).toEqual(['python', 'javascript']);
    expect(languagesGuarded(2, 'javascript')).toEqual(['python', 'javascript']);
    expect(languagesGuarded(3, 'python')).toEqual(['python']);
    expect(cut(javascript, 2, 'python').kind).toBe('cut');
    expect(cut(javascript, 3, 'python')).toEqual({ kind: 'allowed' });
    expect(cut(python, 3, 'python').kind).toBe('cut');
    expect(cut(python, 3, 'javascript')).toEqual({ kind: 'allowed' });
  });

  it('lets level 3 pseudocode through', () => {
    const text =
      'Steps:\n1. height = 0; first = {0: -1}\n2. for each step i: update height\n3. if height in first: best = max(best, i - first[height]) else first[height] = i\n4. return best';
    expect(cut(text, 3, 'python')).toEqual({ kind: 'allowed' });
    expect(cut(text, 3, 'javascript')).toEqual({ kind: 'allowed' });
  });

  it('lists incomplete headers too, for streaming', () => {
    expect(findFunctions('def f(x):\n', 'python')).toEqual([
      { language: 'python', name: 'f', cutAt: 0, complete: false },
    ]);
  });
});

describe('streamableLength', () => {
  const options = { level: 1, language: 'python' } as const;

  it('releases finished lines of prose', () => {
    expect(streamableLength('Think about it.\nWhat changes', options)).toBe(16);
    expect(streamableLength('Think about it.\n', options)).toBe(16);
  });

  it('holds back from an open code fence', () => {
    const text = `Look:\n${fence}python\nheight = 0\n`;
    expect(streamableLength(text, options)).toBe(6);
  });

  it('holds back from a function header that may still become complete', () => {
    const text = 'Look:\ndef f(x):\n    x.sort()\n';
    expect(streamableLength(text, options)).toBe(6);
  });

  it('never releases text that the finished hint would cut', () => {
    const full = `Idea first.\n${fence}python\ndef f(s):\n    return 0\n${fence}\nMore.`;
    for (let end = 0; end <= full.length; end++) {
      const verdict = guardHint(full, options);
      if (verdict.kind === 'cut') {
        expect(streamableLength(full.slice(0, end), options)).toBeLessThanOrEqual(verdict.cutAt);
      }
    }
  });
});

describe('streamableLength (property)', () => {
  const pieces = [
    'Think about what a balanced segment does to the height.\n',
    'Use a map from each height to the first index it was seen at.\n\n',
    `${fence}python\ndef longest(steps):\n    first = {0: -1}\n    return 0\n${fence}\n`,
    'def helper(x): return x * 2\n',
    'def half(steps):\n    height = 0\n    for ch in steps:\n        height += 1\n    print(height)\n',
    `${fence}js\nfunction longest(steps) {\n  let best = 0;\n  return best;\n}\n${fence}\n`,
    'const key = (p) =>\n  p[1];\n',
    'const twice = async (x) => {\n  return 2 * x;\n};\n',
    'const f = function (a, b) { return a - b; };\n',
    'Sort with `pairs.sort((a, b) => a - b)` first.\n',
    'function longest(steps):\n    return the best\n',
    `${fence}python\nheight += 1\n${fence}\n`,
    'Write `def f(x): return x + 1` if you like.\n',
    'function brace(steps)\n{\n  return steps.length;\n}\n',
    'const pick =\n  (p) => p[0];\n',
    'const g = function\n(a) {\n  return a;\n};\n',
  ];

  it('never releases, at any point of a stream, text that the finished hint cuts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(1, 2, 3) as fc.Arbitrary<TutorHintLevel>,
        fc.constantFrom('python', 'javascript') as fc.Arbitrary<TutorLanguage>,
        (parts, level, language) => {
          const full = parts.join('');
          const verdict = guardHint(full, { level, language });
          const limit = verdict.kind === 'cut' ? verdict.cutAt : full.length;
          for (let end = 0; end <= full.length; end++) {
            const released = streamableLength(full.slice(0, end), { level, language });
            expect(released).toBeLessThanOrEqual(end);
            expect(released).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { seed: 14, numRuns: 200 },
    );
  });
});
