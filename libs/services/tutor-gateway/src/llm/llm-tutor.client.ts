import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { CappedText, stripUnsafeCharacters } from './llm-text';
import type { LlmTutorConfig } from './llm-tutor.config';
import {
  LlmStreamAbortedError,
  LlmUnavailableError,
  type LlmFailureReason,
} from './llm-unavailable.error';

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  /** True when the server reported no usage and these are estimates (about 4 characters a token). */
  estimated: boolean;
}

export interface LlmCompletion {
  /** The whole text, as yielded: control characters stripped, capped at `maxChars`. */
  text: string;
  /** The model the server says answered (else the configured one). */
  model: string;
  usage: LlmUsage;
  /** From the call to the first token and to the end, retries included. */
  firstTokenMs: number;
  latencyMs: number;
  attempts: number;
  /** `length` when the model's own limit or our `maxChars` cut the text. */
  finishReason: 'stop' | 'length';
}

export type LlmStreamEvent =
  | { type: 'delta'; text: string }
  /** The last event of a stream that did not fail. */
  | { type: 'completed'; completion: LlmCompletion };

export interface LlmTutorClientOptions {
  /** Per attempt: how long to wait for the first token. */
  firstTokenTimeoutMs?: number;
  /** For the whole hint, retries included. */
  totalTimeoutMs?: number;
  /** Retries before the first token (never after it); at most 2. */
  maxRetries?: number;
  /** Exponential backoff with jitter between attempts, raised to the server's Retry-After. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** The breaker opens after this many failed hints in a row... */
  breakerThreshold?: number;
  /** ...and lets one trial hint through after this pause. */
  breakerHalfOpenAfterMs?: number;
  /** The longest hint text kept; the rest is cut (finishReason `length`). */
  maxChars?: number;
}

export const LLM_TUTOR_DEFAULTS: Required<LlmTutorClientOptions> = {
  firstTokenTimeoutMs: 3_000,
  totalTimeoutMs: 30_000,
  maxRetries: 2,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 2_000,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 30_000,
  maxChars: 8_000,
};

/** Failures worth another attempt, as long as no token has been yielded. */
const RETRYABLE: ReadonlySet<LlmFailureReason> = new Set([
  'timeout_first_token',
  'rate_limited',
  'server_error',
  'disconnected',
]);

/** One chunk's meaning, once it has been checked. */
interface Chunk {
  content: string;
  finishReason: string | null;
  refusal: string | null;
  model: string | null;
  usage: { promptTokens: number; completionTokens: number } | null;
}

class MalformedChunkError extends Error {}

/**
 * The tutor's LLM: streams a hint from an OpenAI-compatible chat-completions endpoint.
 *
 * Every way it can fail ends in one typed error, LlmUnavailableError, so the caller falls back to
 * the built-in tutor; LlmStreamAbortedError only when the caller's own signal aborted. Retries
 * happen only before the first token: once text has reached the caller a retry would show the
 * learner two different beginnings. One circuit breaker per client counts failed hints in a row.
 */
export class LlmTutorClient {
  private readonly openai: OpenAI;
  private readonly options: Required<LlmTutorClientOptions>;
  private readonly breaker: CircuitBreakerPolicy;

  constructor(
    private readonly config: LlmTutorConfig,
    options: LlmTutorClientOptions = {},
  ) {
    this.options = { ...LLM_TUTOR_DEFAULTS, ...options };
    if (this.options.maxRetries < 0 || this.options.maxRetries > 2) {
      throw new RangeError('maxRetries must be 0, 1 or 2');
    }
    this.openai = new OpenAI({
      baseURL: config.baseUrl,
      // The SDK insists on a key; a local server without one gets no Authorization header at all.
      apiKey: config.apiKey ?? 'unused',
      ...(config.apiKey === null ? { defaultHeaders: { Authorization: null } } : {}),
      organization: null,
      project: null,
      maxRetries: 0,
      // A backstop only: our own timers end every attempt sooner.
      timeout: this.options.totalTimeoutMs + 1_000,
      logLevel: 'off',
    });
    this.breaker = circuitBreaker(
      handleWhen(
        (error) => error instanceof LlmUnavailableError && error.reason !== 'circuit_open',
      ),
      {
        halfOpenAfter: this.options.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.breakerThreshold),
      },
    );
  }

  get model(): string {
    return this.config.model;
  }

  get circuitState(): 'closed' | 'open' | 'half-open' | 'isolated' {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Isolated:
        return 'isolated';
    }
  }

  /**
   * Text deltas as the model writes them, then one `completed` event; or an LlmUnavailableError
   * (after any deltas already yielded: the caller discards them and falls back).
   */
  stream(
    messages: readonly LlmMessage[],
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<LlmStreamEvent, void, undefined> {
    return this.run(messages, options.signal);
  }

  private async *run(
    messages: readonly LlmMessage[],
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LlmStreamEvent, void, undefined> {
    if (signal?.aborted) throw new LlmStreamAbortedError(signal.reason);
    const settle = await this.enterBreaker();
    let settled = false;
    try {
      const completion = yield* this.attempts(messages, signal);
      settle(undefined);
      settled = true;
      yield { type: 'completed', completion };
    } catch (error) {
      settle(error instanceof Error ? error : new Error(String(error)));
      settled = true;
      throw error;
    } finally {
      // The caller stopped reading: neither a success nor the endpoint's fault.
      if (!settled) settle(new LlmStreamAbortedError());
    }
  }

  /**
   * Runs the hint as one call of the breaker: the call's promise settles when the stream ends. A
   * half-open breaker lets one trial through and, unlike cockatiel's default of queueing the other
   * calls behind that trial (a whole hint long), we refuse them at once.
   */
  private async enterBreaker(): Promise<(outcome: Error | undefined) => void> {
    const refused = (cause?: unknown) =>
      new LlmUnavailableError(
        'circuit_open',
        'the circuit breaker is open after repeated failures',
        {
          attempts: 0,
          afterFirstToken: false,
          cause,
        },
      );
    if (
      this.breaker.state === CircuitState.HalfOpen ||
      this.breaker.state === CircuitState.Isolated
    ) {
      throw refused();
    }
    let admit: () => void = () => undefined;
    const admitted = new Promise<void>((resolve) => {
      admit = resolve;
    });
    let settle: (outcome: Error | undefined) => void = () => undefined;
    const outcome = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    const execution = this.breaker.execute(() => {
      admit();
      return outcome;
    });
    // The outcome is the stream's own; the breaker only needs to see it.
    execution.catch(() => undefined);
    try {
      await Promise.race([admitted, execution]);
    } catch (error) {
      throw refused(error);
    }
    return settle;
  }

  private async *attempts(
    messages: readonly LlmMessage[],
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LlmStreamEvent, LlmCompletion, undefined> {
    const startedAt = performance.now();
    const deadline = startedAt + this.options.totalTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const progress = { yielded: false };
      try {
        return yield* this.attempt(messages, signal, { startedAt, deadline, attempt, progress });
      } catch (error) {
        if (!(error instanceof LlmUnavailableError)) throw error;
        const retryable =
          RETRYABLE.has(error.reason) && !progress.yielded && attempt <= this.options.maxRetries;
        const delay = retryable ? this.backoff(attempt, error.details.retryAfterMs) : 0;
        if (!retryable || performance.now() + delay >= deadline) throw error;
        await sleep(delay, signal);
      }
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const { retryBaseDelayMs, retryMaxDelayMs } = this.options;
    const exponential = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** (attempt - 1));
    const jittered = exponential * (0.5 + Math.random() / 2);
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  private async *attempt(
    messages: readonly LlmMessage[],
    signal: AbortSignal | undefined,
    run: { startedAt: number; deadline: number; attempt: number; progress: { yielded: boolean } },
  ): AsyncGenerator<LlmStreamEvent, LlmCompletion, undefined> {
    const { attempt, progress } = run;
    const failure = (
      reason: LlmFailureReason,
      message: string,
      extra: { cause?: unknown; retryAfterMs?: number } = {},
    ) =>
      new LlmUnavailableError(reason, message, {
        attempts: attempt,
        afterFirstToken: progress.yielded,
        ...extra,
      });

    // Every await below races `halted`, which our timers and the caller's signal reject: a
    // server that stops sending cannot hold the hint past its deadlines.
    const controller = new AbortController();
    let haltedWith: Error | undefined;
    let rejectHalted: (error: Error) => void = () => undefined;
    const halted = new Promise<never>((_, reject) => {
      rejectHalted = reject;
    });
    halted.catch(() => undefined);
    const halt = (error: Error): void => {
      haltedWith ??= error;
      rejectHalted(haltedWith);
      controller.abort(haltedWith);
    };
    const race = <T>(promise: Promise<T>): Promise<T> => {
      promise.catch(() => undefined);
      return Promise.race([promise, halted]);
    };
    const onAbort = (): void => halt(new LlmStreamAbortedError(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    const attemptStart = performance.now();
    const untilDeadline = Math.max(0, run.deadline - attemptStart);
    const totalTimer = setTimeout(
      () =>
        halt(failure('timeout_total', `no complete hint within ${this.options.totalTimeoutMs} ms`)),
      untilDeadline,
    );
    let firstTokenTimer: NodeJS.Timeout | undefined;
    if (this.options.firstTokenTimeoutMs < untilDeadline) {
      firstTokenTimer = setTimeout(
        () =>
          halt(
            failure(
              'timeout_first_token',
              `no token within ${this.options.firstTokenTimeoutMs} ms`,
            ),
          ),
        this.options.firstTokenTimeoutMs,
      );
    }

    let iterator: AsyncIterator<unknown> | undefined;
    const text = new CappedText(this.options.maxChars);
    let firstTokenMs: number | undefined;
    let finishReason: string | null = null;
    let model: string | null = null;
    let usage: Chunk['usage'] = null;
    try {
      const stream = await race(
        this.openai.chat.completions.create(
          {
            model: this.config.model,
            messages: messages.map(({ role, content }) => ({ role, content })),
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: controller.signal },
        ),
      );
      iterator = stream[Symbol.asyncIterator]();
      for (;;) {
        const next = await race(iterator.next());
        if (next.done) break;
        const chunk = readChunk(next.value);
        model = chunk.model ?? model;
        usage = chunk.usage ?? usage;
        if (chunk.refusal) throw failure('refused', 'the model refused to answer');
        const delta = text.append(stripUnsafeCharacters(chunk.content));
        if (delta !== '') {
          if (firstTokenMs === undefined) {
            firstTokenMs = performance.now() - run.startedAt;
            clearTimeout(firstTokenTimer);
          }
          progress.yielded = true;
          yield { type: 'delta', text: delta };
        }
        if (text.full) break;
        finishReason = chunk.finishReason ?? finishReason;
      }
      if (haltedWith) throw haltedWith;
    } catch (error) {
      throw this.toFailure(haltedWith ?? error, failure);
    } finally {
      clearTimeout(totalTimer);
      clearTimeout(firstTokenTimer);
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
      iterator?.return?.(undefined).catch(() => undefined);
    }

    if (!text.full) {
      switch (finishReason) {
        case 'stop':
        case 'length':
          break;
        case null:
          throw failure('disconnected', 'the stream ended before its finish chunk');
        case 'content_filter':
          throw failure('refused', 'the answer was stopped by a content filter');
        default:
          throw failure(
            'malformed',
            `unexpected finish_reason ${JSON.stringify(finishReason).slice(0, 40)}`,
          );
      }
    }
    if (text.value.trim() === '' || firstTokenMs === undefined) {
      throw failure('refused', 'the model answered with no text');
    }
    return {
      text: text.value,
      model: model ?? this.config.model,
      usage: usage
        ? { ...usage, estimated: false }
        : {
            promptTokens: estimateTokens(messages.reduce((sum, m) => sum + m.content.length, 0)),
            completionTokens: estimateTokens(text.value.length),
            estimated: true,
          },
      firstTokenMs: Math.round(firstTokenMs),
      latencyMs: Math.round(performance.now() - run.startedAt),
      attempts: attempt,
      finishReason: text.full || finishReason === 'length' ? 'length' : 'stop',
    };
  }

  /** Any error of an attempt as the typed failure the caller sees. */
  private toFailure(
    error: unknown,
    failure: (
      reason: LlmFailureReason,
      message: string,
      extra?: { cause?: unknown; retryAfterMs?: number },
    ) => LlmUnavailableError,
  ): Error {
    if (error instanceof LlmUnavailableError || error instanceof LlmStreamAbortedError)
      return error;
    if (error instanceof MalformedChunkError || error instanceof SyntaxError) {
      return failure('malformed', error.message, { cause: error });
    }
    if (error instanceof APIConnectionTimeoutError) {
      return failure('timeout_total', 'the request timed out', { cause: error });
    }
    if (error instanceof APIConnectionError) {
      return failure('disconnected', 'could not reach the LLM', { cause: error });
    }
    if (error instanceof APIError) {
      const status = error.status;
      if (status === 429) {
        const retryAfterMs = retryAfter(error.headers);
        return failure('rate_limited', 'HTTP 429', {
          cause: error,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
      }
      if (status === undefined || status >= 500 || status === 408) {
        return failure(
          'server_error',
          status === undefined ? 'an error event in the stream' : `HTTP ${status}`,
          {
            cause: error,
          },
        );
      }
      return failure('refused', `HTTP ${status}`, { cause: error });
    }
    // Whatever else the transport throws mid-body ("terminated", ECONNRESET): the stream is gone.
    return failure('disconnected', error instanceof Error ? error.message : 'the stream broke', {
      cause: error,
    });
  }
}

function readChunk(value: unknown): Chunk {
  const malformed = (what: string) =>
    new MalformedChunkError(`not a chat.completion.chunk: ${what}`);
  if (!isRecord(value)) throw malformed('not an object');
  const { choices, usage, model } = value;
  if (!Array.isArray(choices)) throw malformed('no choices array');
  if (model !== undefined && model !== null && typeof model !== 'string') throw malformed('model');
  let parsedUsage: Chunk['usage'] = null;
  if (usage !== undefined && usage !== null) {
    if (!isRecord(usage) || !isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) {
      throw malformed('usage');
    }
    parsedUsage = { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
  }
  const choice: unknown = choices.find((c: unknown) => isRecord(c) && c.index === 0) ?? choices[0];
  let content = '';
  let finishReason: string | null = null;
  let refusal: string | null = null;
  if (choice !== undefined) {
    if (!isRecord(choice)) throw malformed('choice');
    const { delta, finish_reason } = choice;
    if (
      finish_reason !== undefined &&
      finish_reason !== null &&
      typeof finish_reason !== 'string'
    ) {
      throw malformed('finish_reason');
    }
    finishReason = finish_reason ?? null;
    if (delta !== undefined && delta !== null) {
      if (!isRecord(delta)) throw malformed('delta');
      if (delta.content !== undefined && delta.content !== null) {
        if (typeof delta.content !== 'string') throw malformed('delta.content');
        content = delta.content;
      }
      if (typeof delta.refusal === 'string' && delta.refusal !== '') refusal = delta.refusal;
    }
  }
  const modelName = typeof model === 'string' ? stripUnsafeCharacters(model).slice(0, 200) : '';
  return {
    content,
    finishReason,
    refusal,
    model: modelName === '' ? null : modelName,
    usage: parsedUsage,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** The server's Retry-After in ms (`retry-after-ms`, or `retry-after` in seconds or as a date). */
function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) throw new LlmStreamAbortedError(signal.reason);
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new LlmStreamAbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
