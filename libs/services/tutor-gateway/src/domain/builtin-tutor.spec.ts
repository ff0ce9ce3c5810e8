import { builtinHint, chunksOf, ladderHint, observation } from './builtin-tutor';
import type { SubmissionRecord, TestReport, TutorHintLevel } from './tutor.types';

const problem = {
  hints: [
    'Track the height.',
    'Equal heights mean a balanced segment.',
    'Store the first index of each height.',
  ],
};

function sample(index: number, over: Partial<TestReport> = {}): TestReport {
  return {
    index,
    hidden: false,
    status: 'fail',
    message: 'wrong answer',
    input: '["UUU"]',
    expected: '0',
    actual: '3',
    ...over,
  };
}

function hidden(index: number, over: Partial<TestReport> = {}): TestReport {
  return {
    index,
    hidden: true,
    status: 'fail',
    message: 'wrong answer',
    input: null,
    expected: null,
    actual: null,
    ...over,
  };
}

function submission(over: Partial<SubmissionRecord> = {}): SubmissionRecord {
  return {
    attempt: 1,
    language: 'python',
    status: 'failed',
    passed_tests: 10,
    total_tests: 15,
    failing_tests: [],
    ...over,
  };
}

describe('builtin tutor', () => {
  it.each([1, 2, 3] as const)(
    'gives the ladder hint of level %i when there is no submission',
    (level) => {
      expect(builtinHint({ problem, level })).toBe(problem.hints[level - 1]);
    },
  );

  it('opens with the first failing sample test: input, expected and actual', () => {
    const latest = submission({
      failing_tests: [sample(2, { input: '["UDU"]', expected: '2', actual: '1' }), sample(1)],
    });
    expect(builtinHint({ problem, level: 2, latest })).toBe(
      'Your code returned 3 for input ("UUU") where 0 was expected. 2 sample tests fail in all; start with this one.\n\n' +
        'Equal heights mean a balanced segment.',
    );
  });

  it('describes a sample test that raised or timed out', () => {
    const raised = submission({
      failing_tests: [sample(0, { status: 'error', message: "KeyError: 'U'", actual: null })],
    });
    expect(observation(raised)).toBe(`Your code raised an error for input ("UUU"): KeyError: 'U'.`);
    const slow = submission({ failing_tests: [sample(0, { status: 'timeout', actual: null })] });
    expect(observation(slow)).toContain('ran out of time on input ("UUU")');
  });

  it('shows several arguments as an argument list, and a cut input as it is', () => {
    const many = submission({ failing_tests: [sample(0, { input: '[[1,2],3]' })] });
    expect(observation(many)).toContain('for input ([1,2], 3)');
    const cutInput = submission({ failing_tests: [sample(0, { input: '["UUUU' })] });
    expect(observation(cutInput)).toContain('for input (["UUUU)');
  });

  it('says of hidden tests only their counts and categories, never their inputs or messages', () => {
    const latest = submission({
      failing_tests: [
        hidden(5, { input: '["SECRET"]', expected: '42', actual: '41' }),
        hidden(6),
        hidden(7, { status: 'timeout', message: 'secret trace' }),
      ],
    });
    const hint = builtinHint({ problem, level: 1, latest });
    expect(hint).toBe(
      'Your code passes the sample tests but fails 3 hidden tests (wrong answer: 2, time limit exceeded: 1). ' +
        'Some inputs are large: check your approach against the constraints.\n\nTrack the height.',
    );
    expect(hint).not.toMatch(/SECRET|42|41|secret trace/);
  });

  it('points at edge cases when hidden tests fail with wrong answers only', () => {
    const latest = submission({ failing_tests: [hidden(4)] });
    expect(observation(latest)).toContain('fails 1 hidden test (wrong answer: 1).');
    expect(observation(latest)).toContain('empty or tiny inputs');
  });

  it('reports a syntax error, and says nothing of a passed submission', () => {
    expect(observation(submission({ status: 'syntax_error', passed_tests: 0 }))).toContain(
      'syntax error',
    );
    expect(observation(submission({ status: 'passed', passed_tests: 15 }))).toBe('');
    expect(observation(submission({ status: 'infrastructure_error' }))).toBe('');
    expect(observation(submission({ status: 'memory_limit' }))).toBe(
      'Your last submission ended with memory limit.',
    );
  });

  it('strips control characters and caps what the program returned', () => {
    const latest = submission({
      failing_tests: [sample(0, { actual: `"a\u0000b\u202e${'x'.repeat(500)}"` })],
    });
    const text = observation(latest);
    for (const hidden of ['\u0000', '\u202e']) expect(text).not.toContain(hidden);
    expect(text).toContain('more characters cut');
    expect(text.length).toBeLessThan(400);
  });

  it('is deterministic', () => {
    const latest = submission({ failing_tests: [sample(0), hidden(4)] });
    expect(builtinHint({ problem, level: 3, latest })).toBe(
      builtinHint({ problem, level: 3, latest }),
    );
  });

  it('falls back when the ladder is short or empty', () => {
    expect(ladderHint({ hints: ['Only one.'] }, 3)).toBe('Only one.');
    for (const level of [1, 2, 3] as TutorHintLevel[]) {
      expect(ladderHint({ hints: [] }, level).length).toBeGreaterThan(20);
    }
  });
});

describe('chunksOf', () => {
  it.each([
    ['', []],
    ['one', ['one']],
    ['Your code returned 3 for input ("UUU") where 0 was expected.\n\nTrack the height.', null],
    ['  leading spaces, trailing ones   ', null],
    ['line one\nline two\n\n- a list\n- of items\n', null],
  ])('gives back the text when joined: %j', (text: string, expected: string[] | null) => {
    const chunks = chunksOf(text);
    expect(chunks.join('')).toBe(text);
    if (expected) expect(chunks).toEqual(expected);
    for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0);
  });

  it('splits at word boundaries into short phrases', () => {
    const chunks = chunksOf('Store, in a hash map, the first index at which each height occurs.');
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/\s$/);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(40);
  });

  it('ends a chunk at each line break', () => {
    expect(chunksOf('a\nb')).toEqual(['a\n', 'b']);
  });
});
