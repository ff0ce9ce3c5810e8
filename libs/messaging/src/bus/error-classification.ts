import { NonRetriableError } from './message-bus';

/**
 * What a handler's failure says about the next attempt:
 * - `transient`: a dependency is away or busy (a lost or refused connection, PostgreSQL restarting
 *   or shutting down, a deadlock or serialization failure, a timeout, a dependency answering 503 or
 *   429, Kafka's retriable errors). The message is fine: it is retried for as long as it takes.
 * - `non-retriable`: the message itself can never be handled (NonRetriableError: it does not decode
 *   or validate; PostgreSQL's data exceptions and integrity violations). Dead-lettered at once.
 * - `unknown`: anything else (most often a bug). Retried a bounded number of times, then
 *   dead-lettered, so that a bug does not hold a partition forever and its messages can be replayed
 *   once it is fixed.
 */
export type ErrorClass = 'transient' | 'non-retriable' | 'unknown';

/** A handler's own way to say "try again later" when nothing below recognises its error. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** PostgreSQL SQLSTATE classes and codes of a server that is away, busy or restarting. */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57P'];
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
  '25P03', // idle_in_transaction_session_timeout
  '58000', // system_error
  '58030', // io_error
]);
/** Data exceptions and integrity violations: the same message fails the same way every time. */
const NON_RETRIABLE_SQLSTATE_CLASSES = ['22', '23'];
/** A duplicate key is most often a race with a concurrent duplicate delivery: another attempt sees it handled. */
const RACY_SQLSTATES = new Set(['23505']);

/** Node's (and undici's) codes of a connection that failed, dropped or timed out. */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Error names of timeouts and of clients whose connection went away. */
const TRANSIENT_NAMES = new Set([
  'TransientError',
  'TimeoutError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSNoBrokerAvailableError',
  'MaxRetriesPerRequestError', // ioredis: Redis unreachable
  'BrokenCircuitError', // cockatiel: the dependency failed repeatedly, the circuit is open
]);

/**
 * What the pg driver and pool say when the server goes away mid-query or cannot be reached; they
 * carry no SQLSTATE.
 */
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is closed/i, // ioredis
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

interface ErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  retriable?: unknown;
  transient?: unknown;
  status?: unknown;
  cause?: unknown;
  driverError?: unknown;
}

/** The error and what it wraps (`cause`, TypeORM's `driverError`), outermost first. */
function chain(error: unknown): ErrorFields[] {
  const seen: ErrorFields[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.includes(current) && seen.length < 10) {
    const fields = current as ErrorFields;
    seen.push(fields);
    current = fields.driverError ?? fields.cause;
  }
  return seen;
}

function classifyOne(error: ErrorFields): ErrorClass | undefined {
  if (error instanceof NonRetriableError) return 'non-retriable';
  if (error.transient === true || error.retriable === true) return 'transient';
  const name = typeof error.name === 'string' ? error.name : '';
  if (TRANSIENT_NAMES.has(name)) return 'transient';
  // An application error that says "try again later": 503 (a dependency is unavailable) or 429.
  if (error.status === 503 || error.status === 429) return 'transient';
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_SQLSTATES.has(code)) return 'transient';
    if (TRANSIENT_SQLSTATE_CLASSES.some((prefix) => code.startsWith(prefix))) return 'transient';
    if (RACY_SQLSTATES.has(code)) return 'unknown';
    if (NON_RETRIABLE_SQLSTATE_CLASSES.some((prefix) => code.startsWith(prefix)))
      return 'non-retriable';
  }
  if (code && TRANSIENT_SYSTEM_CODES.has(code)) return 'transient';
  const message = typeof error.message === 'string' ? error.message : '';
  if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return 'transient';
  return undefined;
}

/**
 * Classifies a handler's failure (see ErrorClass). The first verdict along the error and its causes
 * wins, so `fetch failed` (a TypeError) caused by ECONNREFUSED is transient, and a wrapper that
 * says NonRetriableError is believed over what it wraps.
 */
export function classifyError(error: unknown): ErrorClass {
  for (const link of chain(error)) {
    const verdict = classifyOne(link);
    if (verdict) return verdict;
  }
  return 'unknown';
}
