import { describe, expect, it } from '@jest/globals';
import { exactIntegerText } from '@studypath/contracts';
import fc from 'fast-check';
import {
  MAX_HARNESS_MESSAGE,
  MAX_RESULT_DEPTH,
  nestsDeeperThan,
  parseHarnessLine,
  type HarnessEvent,
} from './protocol';

const passed = { t: 'test', i: 0, ok: true, actual: [1, 2], wall_ms: 1.5 };
const raised = { t: 'test', i: 3, ok: false, kind: 'exception', message: 'boom', wall_ms: 0 };

const parse = (fields: unknown) => parseHarnessLine(JSON.stringify(fields));

/** A JSON array nested `depth` levels deep around a 0. */
const nested = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;

/** A test line whose `actual` is the given JSON text. */
const testLine = (actual: string) => `{"t":"test","i":0,"ok":true,"actual":${actual},"wall_ms":1}`;

describe('parseHarnessLine: what the harness writes', () => {
  it('accepts every event in its valid shape, unchanged', () => {
    const events: HarnessEvent[] = [
      { t: 'hello' },
      { t: 'ready' },
      { t: 'next' },
      { t: 'done' },
      { t: 'load_error', kind: 'syntax', message: 'SyntaxError: invalid syntax (line 1)' },
      { t: 'load_error', kind: 'load', message: 'NameError: x' },
      { t: 'load_error', kind: 'missing', message: 'the code does not define the function f' },
      { t: 'load_error', kind: 'memory', message: 'MemoryError while loading the code' },
      { t: 'test', i: 0, ok: true, actual: [1, 2], wall_ms: 1.5 },
      { t: 'test', i: 7, ok: true, actual: null, wall_ms: 0 },
      { t: 'test', i: 1, ok: true, actual: { a: ['b', true] }, wall_ms: 10_000_000 },
      { t: 'test', i: 3, ok: false, kind: 'exception', message: 'boom', wall_ms: 0.001 },
      { t: 'test', i: 0, ok: false, kind: 'memory', message: 'MemoryError', wall_ms: 2 },
      { t: 'test', i: 0, ok: false, kind: 'result', message: '', wall_ms: 2 },
      { t: 'fatal', kind: 'memory', message: 'MemoryError' },
      { t: 'fatal', kind: 'harness', message: 'OSError: bad fd' },
    ];
    for (const event of events) {
      expect(parse(event)).toEqual(event);
    }
  });

  it('accepts a message of exactly the longest length', () => {
    expect(parse({ ...raised, message: 'm'.repeat(MAX_HARNESS_MESSAGE) })).not.toBeNull();
  });

  it('keeps integers beyond 2^53 in a result digit for digit', () => {
    const event = parseHarnessLine(testLine('[9007199254740993,-123456789012345678901234567890]'));
    expect(event).not.toBeNull();
    const actual = (event as Extract<HarnessEvent, { ok: true }>).actual as unknown[];
    expect(actual.map(exactIntegerText)).toEqual([
      '9007199254740993',
      '-123456789012345678901234567890',
    ]);
  });
});

describe('parseHarnessLine: what it rejects', () => {
  it('rejects text that is not JSON or not a JSON object', () => {
    for (const line of ['', '{', 'hello', '{"t":"hello"', "{'t':'hello'}", '{"t":"hello"}x']) {
      expect(parseHarnessLine(line)).toBeNull();
    }
    for (const line of ['null', '1', '"hello"', 'true', '[]', '[{"t":"hello"}]']) {
      expect(parseHarnessLine(line)).toBeNull();
    }
  });

  it('rejects an unknown or missing event type', () => {
    for (const t of ['HELLO', 'start', 'tests', '', 1, null, ['hello']]) {
      expect(parse({ t })).toBeNull();
    }
    expect(parse({})).toBeNull();
  });

  it('rejects any key an event does not have', () => {
    expect(parse({ t: 'hello', extra: 1 })).toBeNull();
    expect(parse({ t: 'done', total_cpu_ms: 3 })).toBeNull();
    expect(parse({ ...passed, maxrss_kb: 9000 })).toBeNull();
    expect(parse({ ...passed, message: 'x' })).toBeNull();
    expect(parse({ ...raised, actual: 1 })).toBeNull();
    expect(parse({ t: 'fatal', kind: 'memory', message: 'x', i: 0 })).toBeNull();
    expect(parse({ t: 'load_error', kind: 'load', message: 'x', wall_ms: 1 })).toBeNull();
    expect(parseHarnessLine('{"t":"hello","__proto__":{}}')).toBeNull();
  });

  it('rejects a test index that is not a small non-negative integer', () => {
    for (const i of [-1, 1.5, 1_000_000, 1e300, '0', null, true, [0]]) {
      expect(parse({ ...passed, i })).toBeNull();
      expect(parse({ ...raised, i })).toBeNull();
    }
    expect(parseHarnessLine(testLine('1').replace('"i":0', '"i":12345678901234567890'))).toBeNull();
    expect(parse({ ...passed, i: undefined })).toBeNull();
  });

  it('rejects a wall time that is negative, huge, non-finite or not a number', () => {
    for (const wall_ms of [-0.001, 10_000_001, 1e300, '1', null, [1]]) {
      expect(parse({ ...passed, wall_ms })).toBeNull();
      expect(parse({ ...raised, wall_ms })).toBeNull();
    }
    // JSON has no Infinity or NaN; a literal that overflows to Infinity is rejected too.
    expect(parseHarnessLine(testLine('1').replace('"wall_ms":1', '"wall_ms":1e400'))).toBeNull();
    expect(parse({ ...passed, wall_ms: undefined })).toBeNull();
  });

  it('rejects a message that is too long or not a string', () => {
    const long = 'm'.repeat(MAX_HARNESS_MESSAGE + 1);
    expect(parse({ ...raised, message: long })).toBeNull();
    expect(parse({ t: 'load_error', kind: 'syntax', message: long })).toBeNull();
    expect(parse({ t: 'fatal', kind: 'harness', message: long })).toBeNull();
    for (const message of [null, 1, ['x'], { text: 'x' }, undefined]) {
      expect(parse({ ...raised, message })).toBeNull();
      expect(parse({ t: 'load_error', kind: 'syntax', message })).toBeNull();
      expect(parse({ t: 'fatal', kind: 'harness', message })).toBeNull();
    }
  });

  it('rejects ok: true without an actual value, and ok that is not a boolean', () => {
    expect(parse({ t: 'test', i: 0, ok: true, wall_ms: 1 })).toBeNull();
    expect(parse({ ...passed, ok: 'true' })).toBeNull();
    expect(parse({ ...passed, ok: 1 })).toBeNull();
    expect(parse({ ...raised, ok: undefined })).toBeNull();
    // A failure needs its kind and message.
    expect(parse({ t: 'test', i: 0, ok: false, actual: 1, wall_ms: 1 })).toBeNull();
  });

  it('rejects kinds an event does not have', () => {
    for (const kind of ['timeout', 'harness', 'syntax', 'Exception', '', null, 1]) {
      expect(parse({ ...raised, kind })).toBeNull();
    }
    for (const kind of ['exception', 'harness', 'timeout', '', null]) {
      expect(parse({ t: 'load_error', kind, message: 'x' })).toBeNull();
    }
    for (const kind of ['exception', 'load', 'syntax', '', null]) {
      expect(parse({ t: 'fatal', kind, message: 'x' })).toBeNull();
    }
  });
});

describe('parseHarnessLine: nesting', () => {
  it('accepts a result nested to the limit and rejects one a level deeper', () => {
    expect(parseHarnessLine(testLine(nested(MAX_RESULT_DEPTH)))).not.toBeNull();
    expect(parseHarnessLine(testLine(nested(MAX_RESULT_DEPTH + 1)))).toBeNull();
    expect(parseHarnessLine(testLine(nested(100_000)))).toBeNull();
    const objects = `${'{"a":'.repeat(MAX_RESULT_DEPTH + 1)}0${'}'.repeat(MAX_RESULT_DEPTH + 1)}`;
    expect(parseHarnessLine(testLine(objects))).toBeNull();
  });

  it('rejects deep nesting in any field, not only in actual', () => {
    expect(parseHarnessLine(`{"t":"hello","x":${nested(MAX_RESULT_DEPTH + 1)}}`)).toBeNull();
    expect(parseHarnessLine(`{"t":${nested(200_000)}}`)).toBeNull();
  });

  it('does not count brackets inside strings', () => {
    const brackets = '['.repeat(10_000);
    const event = parse({ ...passed, actual: brackets });
    expect(event).toEqual({ ...passed, actual: brackets });
    expect(parse({ ...raised, message: '{'.repeat(MAX_HARNESS_MESSAGE) })).not.toBeNull();
    // An escaped quote does not end the string; an escaped backslash before the quote does.
    expect(parseHarnessLine(testLine(`"\\"${'['.repeat(500)}"`))).not.toBeNull();
    expect(parseHarnessLine(testLine(`["\\\\",${nested(MAX_RESULT_DEPTH)}]`))).toBeNull();
  });
});

describe('nestsDeeperThan', () => {
  it('counts arrays and objects outside strings against the limit', () => {
    expect(nestsDeeperThan(nested(3), 3)).toBe(false);
    expect(nestsDeeperThan(nested(4), 3)).toBe(true);
    expect(nestsDeeperThan('[[],[],{"a":1}]', 2)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":[1]}}', 2)).toBe(true);
    expect(nestsDeeperThan(`["${'['.repeat(50)}"]`, 1)).toBe(false);
    expect(nestsDeeperThan(`["\\"${'['.repeat(50)}"]`, 1)).toBe(false);
    expect(nestsDeeperThan('"\\\\"[[', 1)).toBe(true);
  });
});

describe('parseHarnessLine: any input', () => {
  it('returns a known event or null and never throws, whatever the line', () => {
    const types = ['hello', 'ready', 'load_error', 'test', 'next', 'done', 'fatal'];
    const lines = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.json(),
      fc.stringMatching(/^[[\]{}"\\:,0-9a-z]*$/),
      fc
        .record({
          t: fc.constantFrom('hello', 'test', 'load_error', 'fatal', 'done', 'x'),
          i: fc.anything(),
          ok: fc.anything(),
          kind: fc.anything(),
          message: fc.anything(),
          actual: fc.anything(),
          wall_ms: fc.anything(),
        })
        .map((fields) => JSON.stringify(fields)),
    );
    fc.assert(
      fc.property(lines, (line) => {
        const event = parseHarnessLine(line);
        expect(event === null || types.includes(event.t)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
