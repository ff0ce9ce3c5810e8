import { FakeOpenAi } from '@studypath/testing';
import {
  LlmTutorClient,
  type LlmCompletion,
  type LlmMessage,
  type LlmStreamEvent,
  type LlmTutorClientOptions,
} from './llm-tutor.client';
import { LlmStreamAbortedError, LlmUnavailableError } from './llm-unavailable.error';

const MODEL = 'tutor-test-model';
const API_KEY = 'sk-test-tutor';
const MESSAGES: LlmMessage[] = [
  { role: 'system', content: 'You are a tutor. Never give a complete solution.' },
  { role: 'user', content: 'Level 1 hint for two-sum, please.' },
];
const REPLY = ['Think ', 'about what ', 'a hash map ', 'remembers.'];

/**
 * Timeouts short enough that every fault plays out in a few seconds, and long enough that a
 * healthy answer on a loaded machine (the first request also loads the SDK) is never cut.
 */
const FAST: LlmTutorClientOptions = {
  firstTokenTimeoutMs: 1_000,
  totalTimeoutMs: 5_000,
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  breakerThreshold: 3,
  breakerHalfOpenAfterMs: 200,
};

interface Outcome {
  deltas: string[];
  completion: LlmCompletion | undefined;
  error: unknown;
  elapsedMs: number;
}

async function collect(stream: AsyncIterable<LlmStreamEvent>): Promise<Outcome> {
  const started = performance.now();
  const deltas: string[] = [];
  let completion: LlmCompletion | undefined;
  let error: unknown;
  try {
    for await (const event of stream) {
      if (event.type === 'delta') deltas.push(event.text);
      else completion = event.completion;
    }
  } catch (caught) {
    error = caught;
  }
  return { deltas, completion, error, elapsedMs: performance.now() - started };
}

function failure(outcome: Outcome): LlmUnavailableError {
  expect(outcome.error).toBeInstanceOf(LlmUnavailableError);
  return outcome.error as LlmUnavailableError;
}

describe('LlmTutorClient against a fake OpenAI-compatible server', () => {
  let fake: FakeOpenAi;
  const client = (options: LlmTutorClientOptions = {}, apiKey: string | null = API_KEY) =>
    new LlmTutorClient({ baseUrl: fake.baseUrl, model: MODEL, apiKey }, { ...FAST, ...options });

  beforeAll(async () => {
    fake = await FakeOpenAi.start({ apiKey: API_KEY, reply: REPLY });
  });
  afterEach(() => {
    fake.reset();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('streams the deltas in order, then the text, the model, the usage and the latency', async () => {
    const outcome = await collect(client().stream(MESSAGES));

    expect(outcome.error).toBeUndefined();
    expect(outcome.deltas).toEqual(REPLY);
    expect(outcome.completion).toEqual({
      text: REPLY.join(''),
      model: MODEL,
      usage: {
        promptTokens: FakeOpenAi.usageFor(MESSAGES, REPLY).prompt_tokens,
        completionTokens: REPLY.length,
        estimated: false,
      },
      firstTokenMs: expect.any(Number),
      latencyMs: expect.any(Number),
      attempts: 1,
      finishReason: 'stop',
    });
    const completion = outcome.completion as LlmCompletion;
    expect(completion.firstTokenMs).toBeLessThanOrEqual(completion.latencyMs);
  });

  it('sends the model, the messages and the bearer key, asking for a stream with usage', async () => {
    await collect(client().stream(MESSAGES));

    expect(fake.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v1/chat/completions',
        authorization: `Bearer ${API_KEY}`,
        body: expect.objectContaining({
          model: MODEL,
          messages: MESSAGES,
          stream: true,
          stream_options: { include_usage: true },
        }),
      }),
    ]);
  });

  it('sends no Authorization header when no key is configured (a local server)', async () => {
    const open = await FakeOpenAi.start({ reply: REPLY });
    try {
      const outcome = await collect(
        new LlmTutorClient({ baseUrl: open.baseUrl, model: MODEL, apiKey: null }, FAST).stream(
          MESSAGES,
        ),
      );
      expect(outcome.completion?.text).toBe(REPLY.join(''));
      expect(open.requests[0]?.authorization).toBeUndefined();
    } finally {
      await open.stop();
    }
  });

  it('estimates the token counts when the server reports no usage', async () => {
    const quiet = await FakeOpenAi.start({ reply: REPLY, reportUsage: false });
    try {
      const outcome = await collect(
        new LlmTutorClient({ baseUrl: quiet.baseUrl, model: MODEL, apiKey: null }, FAST).stream(
          MESSAGES,
        ),
      );
      const promptChars = MESSAGES.reduce((sum, m) => sum + m.content.length, 0);
      expect(outcome.completion?.usage).toEqual({
        promptTokens: Math.ceil(promptChars / 4),
        completionTokens: Math.ceil(REPLY.join('').length / 4),
        estimated: true,
      });
    } finally {
      await quiet.stop();
    }
  });

  it('takes an answer sent all at once', async () => {
    fake.next({ kind: 'at-once' });
    const outcome = await collect(client().stream(MESSAGES));
    expect(outcome.deltas).toEqual([REPLY.join('')]);
    expect(outcome.completion?.text).toBe(REPLY.join(''));
  });

  it('retries a slow first token, and the next attempt answers', async () => {
    fake.next({ kind: 'slow-first-token', ms: 5_000 });
    const outcome = await collect(client().stream(MESSAGES));

    expect(outcome.error).toBeUndefined();
    expect(outcome.deltas).toEqual(REPLY);
    expect(outcome.completion?.attempts).toBe(2);
    expect(fake.requests).toHaveLength(2);
  });

  it('ends in timeout_first_token when no attempt gives a first token in time', async () => {
    fake.always({ kind: 'slow-first-token', ms: 5_000 });
    const outcome = await collect(client().stream(MESSAGES));

    expect(failure(outcome).reason).toBe('timeout_first_token');
    expect(failure(outcome).details).toMatchObject({ attempts: 3, afterFirstToken: false });
    expect(outcome.deltas).toEqual([]);
    // One attempt and two retries, each cut at the first-token timeout: all three together end
    // before the server's first token would have come.
    expect(fake.requests).toHaveLength(3);
    expect(outcome.elapsedMs).toBeLessThan(5_000);
  });

  it('does not retry a disconnect after the first token: the failure is final, the deltas stay given', async () => {
    fake.next({ kind: 'disconnect', afterChunks: 2 });
    const outcome = await collect(client().stream(MESSAGES));

    expect(failure(outcome).reason).toBe('disconnected');
    expect(failure(outcome).details).toMatchObject({ attempts: 1, afterFirstToken: true });
    expect(outcome.deltas).toEqual(REPLY.slice(0, 2));
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a disconnect before the first token', async () => {
    fake.next({ kind: 'disconnect', afterChunks: 0 });
    const outcome = await collect(client().stream(MESSAGES));
    expect(outcome.completion?.attempts).toBe(2);
    expect(outcome.deltas).toEqual(REPLY);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    fake.next({ kind: 'status', status: 429, headers: { 'retry-after-ms': '150' } });
    const outcome = await collect(client().stream(MESSAGES));

    expect(outcome.error).toBeUndefined();
    expect(outcome.completion?.text).toBe(REPLY.join(''));
    expect(outcome.completion?.attempts).toBe(2);
    const [first, second] = fake.requests;
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(140);
  });

  it('gives up on a 429 at once when its Retry-After is past the whole-hint deadline', async () => {
    fake.next({ kind: 'status', status: 429, headers: { 'retry-after': '60' } });
    const outcome = await collect(client().stream(MESSAGES));

    expect(failure(outcome).reason).toBe('rate_limited');
    expect(failure(outcome).details.retryAfterMs).toBe(60_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('ends in server_error when every attempt answers 500', async () => {
    fake.always({ kind: 'status', status: 500 });
    const outcome = await collect(client().stream(MESSAGES));

    expect(failure(outcome).reason).toBe('server_error');
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a refusal (401: a wrong key)', async () => {
    const outcome = await collect(client({}, 'sk-wrong').stream(MESSAGES));

    expect(failure(outcome).reason).toBe('refused');
    expect(fake.requests).toHaveLength(1);
  });

  it('fails on a malformed chunk instead of skipping it, after the deltas before it', async () => {
    fake.next({ kind: 'malformed', afterChunks: 1 });
    const outcome = await collect(client().stream(MESSAGES));

    expect(failure(outcome).reason).toBe('malformed');
    expect(outcome.deltas).toEqual(REPLY.slice(0, 1));
    expect(fake.requests).toHaveLength(1);
  });

  it('fails on valid JSON that is not a chunk, and does not retry a malformed stream', async () => {
    fake.next({
      kind: 'malformed',
      afterChunks: 0,
      data: '{"choices": [{"index": 0, "delta": {"content": 42}}]}',
    });
    const outcome = await collect(client().stream(MESSAGES));

    expect(failure(outcome).reason).toBe('malformed');
    expect(outcome.deltas).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('ends in timeout_total when the whole hint takes too long, without a retry after text', async () => {
    // The chunks come a second apart (the first at once): the hint is cut after the second.
    fake.next({ kind: 'slow-chunks', ms: 1_000 });
    const outcome = await collect(client({ totalTimeoutMs: 1_500 }).stream(MESSAGES));

    expect(failure(outcome).reason).toBe('timeout_total');
    expect(failure(outcome).details.afterFirstToken).toBe(true);
    expect(outcome.deltas.length).toBeGreaterThan(0);
    expect(outcome.deltas.length).toBeLessThan(REPLY.length);
    expect(fake.requests).toHaveLength(1);
    expect(outcome.elapsedMs).toBeLessThan(REPLY.length * 1_000);
  });

  it('strips control characters but newlines and tabs, and caps the text', async () => {
    fake.reply(['Step 1:\tlook\u0007 at\r\n', 'the \u202eindex\u0000.\n', 'x'.repeat(100)]);
    const outcome = await collect(client({ maxChars: 40 }).stream(MESSAGES));

    expect(outcome.completion?.text).toBe(`Step 1:\tlook at\nthe index.\n${'x'.repeat(13)}`);
    expect(outcome.completion?.text).toHaveLength(40);
    expect(outcome.deltas.join('')).toBe(outcome.completion?.text);
    expect(outcome.completion?.finishReason).toBe('length');
  });

  it('takes the answering model name from the stream', async () => {
    const outcome = await collect(client().stream(MESSAGES));
    expect(outcome.completion?.model).toBe(MODEL);
  });

  describe('the circuit breaker', () => {
    it('opens after consecutive failed hints, fails fast, then lets one trial through after the pause', async () => {
      const llm = client({ maxRetries: 0 });
      fake.always({ kind: 'status', status: 500 });
      for (let i = 0; i < 3; i += 1) {
        expect(failure(await collect(llm.stream(MESSAGES))).reason).toBe('server_error');
      }
      expect(llm.circuitState).toBe('open');

      const refused = await collect(llm.stream(MESSAGES));
      expect(failure(refused).reason).toBe('circuit_open');
      expect(failure(refused).details.attempts).toBe(0);
      // Refused without a request, well before an attempt could have timed out.
      expect(refused.elapsedMs).toBeLessThan(FAST.firstTokenTimeoutMs ?? 0);
      expect(fake.requests).toHaveLength(3);

      // After the pause, one trial; while it streams, other hints are still refused at once.
      fake.heal().next({ kind: 'slow-chunks', ms: 40 });
      await new Promise((resolve) => setTimeout(resolve, 220));
      const trial = collect(llm.stream(MESSAGES));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(llm.circuitState).toBe('half-open');
      expect(failure(await collect(llm.stream(MESSAGES))).reason).toBe('circuit_open');
      expect((await trial).completion?.text).toBe(REPLY.join(''));
      expect(llm.circuitState).toBe('closed');
      expect(fake.requests).toHaveLength(4);
    });

    it('opens again when the half-open trial fails', async () => {
      const llm = client({ maxRetries: 0, breakerThreshold: 1 });
      fake.always({ kind: 'status', status: 500 });
      await collect(llm.stream(MESSAGES));
      expect(llm.circuitState).toBe('open');
      await new Promise((resolve) => setTimeout(resolve, 220));

      expect(failure(await collect(llm.stream(MESSAGES))).reason).toBe('server_error');
      expect(llm.circuitState).toBe('open');
      expect(failure(await collect(llm.stream(MESSAGES))).reason).toBe('circuit_open');
    });

    it('is not opened by a success in between (consecutive failures only)', async () => {
      const llm = client({ maxRetries: 0 });
      fake.next({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
      await collect(llm.stream(MESSAGES));
      await collect(llm.stream(MESSAGES));
      expect((await collect(llm.stream(MESSAGES))).completion).toBeDefined();
      fake.next({ kind: 'status', status: 500 });
      await collect(llm.stream(MESSAGES));
      expect(llm.circuitState).toBe('closed');
    });
  });

  describe('aborting through the signal', () => {
    it('stops waiting for the first token at once, with LlmStreamAbortedError and no retry', async () => {
      fake.next({ kind: 'slow-first-token', ms: 5_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const outcome = await collect(
        client({ firstTokenTimeoutMs: 4_000 }).stream(MESSAGES, { signal: controller.signal }),
      );

      // Long before the first-token timeout would have ended the wait.
      expect(outcome.error).toBeInstanceOf(LlmStreamAbortedError);
      expect(outcome.elapsedMs).toBeLessThan(2_000);
      expect(fake.requests).toHaveLength(1);
    });

    it('stops mid-stream, after the deltas given so far', async () => {
      fake.next({ kind: 'slow-chunks', ms: 100 });
      const controller = new AbortController();
      const llm = client({ breakerThreshold: 1 });
      const deltas: string[] = [];
      let error: unknown;
      try {
        for await (const event of llm.stream(MESSAGES, { signal: controller.signal })) {
          if (event.type === 'delta') {
            deltas.push(event.text);
            controller.abort();
          }
        }
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(LlmStreamAbortedError);
      expect(deltas).toEqual(REPLY.slice(0, 1));
      // The caller's abort is not held against the endpoint.
      expect(llm.circuitState).toBe('closed');
    });

    it('refuses to start with a signal already aborted', async () => {
      const outcome = await collect(client().stream(MESSAGES, { signal: AbortSignal.abort() }));
      expect(outcome.error).toBeInstanceOf(LlmStreamAbortedError);
      expect(fake.requests).toHaveLength(0);
    });
  });
});
