import { BundledCatalog } from '@studypath/problem-bank';
import { FakeOpenAi } from '@studypath/testing';
import { LlmTutorClient } from '../llm';
import { Tutor, type HintRequest } from './tutor';

const problem = new BundledCatalog().all()[0];
if (!problem) throw new Error('the bundled catalog has problems');
const request = (level: 1 | 2 | 3): HintRequest => ({
  problem,
  level,
  submissions: [],
  hintsGiven: [],
});
const FAST = {
  firstTokenTimeoutMs: 300,
  totalTimeoutMs: 2_000,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 20,
};

describe('Tutor: the LLM when it answers well, the built-in tutor otherwise', () => {
  let fake: FakeOpenAi;
  let tutor: Tutor;

  beforeAll(async () => {
    fake = await FakeOpenAi.start({
      reply: ['Think about ', 'what you must remember ', 'per step.'],
    });
    tutor = new Tutor(
      new LlmTutorClient({ baseUrl: fake.baseUrl, model: 'tutor-1', apiKey: null }, FAST),
    );
  });

  // Its own breaker: the failures of the tests before do not open it.
  const freshTutor = () =>
    new Tutor(new LlmTutorClient({ baseUrl: fake.baseUrl, model: 'tutor-1', apiKey: null }, FAST));

  afterEach(() => fake.reset());
  afterAll(async () => {
    await fake.stop();
  });

  it('without an LLM, writes the ladder rung of the level (source builtin)', async () => {
    const hint = await new Tutor(null).write(request(2));
    expect(hint).toMatchObject({ source: 'builtin', model: null });
    expect(hint.content).toContain(problem.hints[1]);
    expect(hint.fallback).toBeUndefined();
  });

  it("with an LLM that answers, gives its text, model and tokens, the problem's statement in the prompt", async () => {
    const hint = await tutor.write(request(1));
    expect(hint).toMatchObject({
      source: 'llm',
      content: 'Think about what you must remember per step.',
    });
    expect(hint.completionTokens).toBeGreaterThan(0);
    const [sent] = fake.requests;
    expect(JSON.stringify(sent?.body)).toContain(problem.title);
  });

  it.each([
    ['a 500 on every attempt', { kind: 'status', status: 500 } as const, 'server_error'],
    ['a malformed chunk', { kind: 'malformed', afterChunks: 1 } as const, 'malformed'],
    ['a disconnect mid-stream', { kind: 'disconnect', afterChunks: 1 } as const, 'disconnected'],
  ])('falls back to the built-in hint on %s', async (_what, fault, reason) => {
    fake.always(fault);
    const hint = await tutor.write(request(1));
    expect(hint).toMatchObject({ source: 'builtin', fallback: reason });
    expect(hint.content).toContain(problem.hints[0]);
  });

  it('voids the text that went out before the LLM failed: a reset, then the whole built-in hint', async () => {
    fake.reply(['Keep one value.\n', 'Then ', 'update it.\n']);
    fake.always({ kind: 'disconnect', afterChunks: 2 });
    const seen: string[] = [];
    const hint = await freshTutor().write(request(1), {
      chunk: async (text) => {
        seen.push(text);
      },
      reset: async () => {
        seen.push('<reset>');
      },
    });
    expect(hint).toMatchObject({ source: 'builtin', fallback: 'disconnected' });
    const reset = seen.indexOf('<reset>');
    expect(seen.slice(0, reset).join('')).toBe('Keep one value.\n');
    expect(seen.slice(reset + 1).join('')).toBe(hint.content);
  });

  it('sends no reset when nothing of the LLM went out before it failed', async () => {
    fake.always({ kind: 'status', status: 500 });
    const seen: string[] = [];
    const hint = await freshTutor().write(request(1), {
      chunk: async (text) => {
        seen.push(text);
      },
      reset: async () => {
        seen.push('<reset>');
      },
    });
    expect(seen.join('')).toBe(hint.content);
  });

  it('replaces a level 1 hint that holds a complete function by the built-in one', async () => {
    fake.reply(['Try this:\n\n', 'def solve(xs):\n    return sorted(xs)\n']);
    const hint = await tutor.write(request(1));
    expect(hint).toMatchObject({ source: 'builtin', fallback: 'solution_guard' });
    expect(hint.content).not.toContain('def solve');
  });
});
