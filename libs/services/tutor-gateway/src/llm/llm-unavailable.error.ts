/**
 * Why the LLM gave no (complete) hint. Every reason means the same to the caller: fall back to the
 * built-in tutor and count the fallback under this reason.
 */
export type LlmFailureReason =
  /** No token within the first-token timeout, on every attempt. */
  | 'timeout_first_token'
  /** The whole-hint deadline passed. */
  | 'timeout_total'
  /** HTTP 429, still after the retries (or its Retry-After was past the deadline). */
  | 'rate_limited'
  /** HTTP 5xx (or an error event in the stream), still after the retries. */
  | 'server_error'
  /** A chunk that is not a chat-completion chunk: never skipped, the hint cannot be trusted. */
  | 'malformed'
  /** The connection failed or ended before the finish chunk. */
  | 'disconnected'
  /** The circuit breaker is open (or half-open with its one trial in flight): not even tried. */
  | 'circuit_open'
  /** The endpoint or the model said no: 4xx other than 429, a content filter, an empty answer. */
  | 'refused';

export class LlmUnavailableError extends Error {
  constructor(
    readonly reason: LlmFailureReason,
    message: string,
    readonly details: {
      /** Attempts made (0 when the breaker refused the call). */
      attempts: number;
      /** Whether some text had been yielded before the failure (then it was not retried). */
      afterFirstToken: boolean;
      /** The server's Retry-After, when it gave one. */
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(`LLM unavailable (${reason}): ${message}`, { cause: details.cause });
    this.name = 'LlmUnavailableError';
  }
}

/**
 * The caller's signal aborted the stream: not an LLM failure (no fallback to count, nothing held
 * against the endpoint by the circuit breaker).
 */
export class LlmStreamAbortedError extends Error {
  constructor(cause?: unknown) {
    super('the hint stream was aborted by its caller', { cause });
    this.name = 'LlmStreamAbortedError';
  }
}
