import { ApplicationError } from '@studypath/decider';

/**
 * Why a call to the external problem bank failed:
 * - `timeout`: no complete answer within the per-request timeout;
 * - `network`: the connection failed or was dropped;
 * - `server-error`: the bank answered 5xx;
 * - `rate-limited`: the bank answered 429 (and the retries, if any, did not get through);
 * - `rejected`: the bank refused the request with another 4xx (a bad API key, a bad request);
 * - `invalid-response`: a 2xx whose body is not what the API promises;
 * - `circuit-open`: not attempted, the bank failed repeatedly and the circuit breaker is open.
 */
export type ProblemBankFailure =
  | 'timeout'
  | 'network'
  | 'server-error'
  | 'rate-limited'
  | 'rejected'
  | 'invalid-response'
  | 'circuit-open';

/** The failures worth another attempt: they may well pass by themselves. */
const TRANSIENT: readonly ProblemBankFailure[] = ['timeout', 'network', 'server-error'];

/** The failures that say the bank is unhealthy, and so count towards opening the circuit. */
const UNHEALTHY: readonly ProblemBankFailure[] = [
  'timeout',
  'network',
  'server-error',
  'invalid-response',
];

/**
 * A failed call to the external problem bank. Answered on the HTTP edge as 503 (try again later)
 * or, for an answer of the bank that StudyPath cannot use, 502. The message names the request
 * (method and path, never the bank's host or the API key) and why it failed.
 */
export class ProblemBankError extends ApplicationError {
  readonly status: number;
  /** The bank's HTTP status, when it answered. */
  readonly httpStatus?: number;
  /** For `rate-limited`: how long the bank asked to wait (Retry-After), when it said. */
  readonly retryAfterMs?: number;
  /** The message without its "problem bank: " prefix. */
  readonly summary: string;

  constructor(
    readonly reason: ProblemBankFailure,
    message: string,
    options: { httpStatus?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`problem bank: ${message}`, {
      reason,
      ...(options.retryAfterMs === undefined
        ? {}
        : { retry_after_seconds: Math.ceil(options.retryAfterMs / 1000) }),
    });
    this.summary = message;
    this.status = reason === 'rejected' || reason === 'invalid-response' ? 502 : 503;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
    if (options.cause !== undefined) this.cause = options.cause;
  }

  /** A timeout, a network failure or a 5xx: another attempt may succeed. */
  get transient(): boolean {
    return TRANSIENT.includes(this.reason);
  }

  /** Whether the failure says the bank is unhealthy (a 4xx or a 429 says it is answering). */
  get countsAgainstCircuit(): boolean {
    return UNHEALTHY.includes(this.reason);
  }
}
