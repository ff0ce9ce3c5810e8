import { Logger, type LoggerService } from '@nestjs/common';
import {
  type Cache,
  type HealthContributor,
  type HealthReport,
  withTimeout,
} from '@studypath/platform';
import {
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  wrap,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import { parseExactJson } from '@studypath/contracts';
import type { HiddenTests, ProblemMetadata } from '../problem';
import { ProblemBank, type PrefetchReport } from '../problem-bank.port';
import { fullJitterDelay } from './backoff';
import { ProblemBankError } from './problem-bank.error';
import { parseHiddenTests, parseProblemList, parseProblemMetadata, type Parsed } from './responses';
import { parseRetryAfter } from './retry-after';

/** How long each kind of answer stays in the cache, in milliseconds (0: not cached). */
export interface ProblemBankCacheTtls {
  /** A problem's metadata. */
  metadataMs: number;
  /** A module listing (by module, difficulty range and limit). */
  listingMs: number;
  /** That a problem does not exist (a 404), so that a bad id does not hit the bank each time. */
  notFoundMs: number;
  /** A problem's hidden tests: short, see docs/problem-bank.md. */
  hiddenTestsMs: number;
}

export const DEFAULT_PROBLEM_BANK_CACHE_TTLS: Readonly<ProblemBankCacheTtls> = {
  metadataMs: 10 * 60_000,
  listingMs: 5 * 60_000,
  notFoundMs: 30_000,
  hiddenTestsMs: 60_000,
};

export interface HttpProblemBankOptions {
  /** The bank's base URL, e.g. https://bank.example.com/v1 (a trailing slash is ignored). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** The deadline of one request, headers and body (default 2000). */
  timeoutMs?: number;
  /** Where answers are cached (the platform's Redis or memory cache); none: no caching. */
  cache?: Cache;
  /** The deadline of one cache operation; a slower cache counts as failed (default 250). */
  cacheTimeoutMs?: number;
  ttl?: Partial<ProblemBankCacheTtls>;
  retry?: {
    /** Attempts after the first, on a timeout, a network error, a 5xx or a 429 (default 2). */
    retries?: number;
    /** The backoff ceiling of the first retry; it doubles with each (default 100). */
    baseDelayMs?: number;
    /** The largest backoff ceiling (default 2000). */
    maxDelayMs?: number;
    /** The longest Retry-After a 429 may ask for and still be retried (default 5000). */
    maxRetryAfterMs?: number;
  };
  circuitBreaker?: {
    /** Consecutive failed attempts that open the circuit (default 5). */
    failureThreshold?: number;
    /** How long an open circuit fails fast before it lets one trial call through (default 10000). */
    halfOpenAfterMs?: number;
  };
  /** How many problems `prefetch` fetches at once (default 4). */
  prefetchConcurrency?: number;
  logger?: Pick<LoggerService, 'log' | 'warn'>;
}

/** A cache entry: the answer, or null for "no such problem". */
interface Entry<T> {
  v: T | null;
}

interface Loaded<T> {
  value: T | undefined;
  from: 'cache' | 'bank';
}

const CACHE_PREFIX = 'problem-bank:v1:';

/**
 * The problem bank behind HTTP (see docs/problem-bank.md for the API it expects). Every request
 * has a deadline; timeouts, network errors and 5xx are retried with exponential backoff and full
 * jitter, a 429 after its Retry-After; repeated failures open a circuit breaker that fails fast
 * until a cool-down has passed. Answers are cached (metadata and listings for minutes, hidden
 * tests briefly), and a failing cache only costs the network call it would have saved.
 */
export class HttpProblemBank extends ProblemBank implements HealthContributor {
  readonly healthKey = 'problem-bank';

  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly cache: Cache | undefined;
  private readonly cacheTimeoutMs: number;
  private readonly ttl: ProblemBankCacheTtls;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly failureThreshold: number;
  private readonly halfOpenAfterMs: number;
  private readonly prefetchConcurrency: number;
  private readonly logger: Pick<LoggerService, 'log' | 'warn'>;

  private readonly breaker: ConsecutiveBreaker;
  private readonly circuit: ReturnType<typeof circuitBreaker>;
  private readonly policy: IPolicy;
  private readonly inFlight = new Map<string, Promise<Loaded<unknown>>>();
  private openedAt: number | undefined;
  private lastFailure: string | undefined;
  private cacheFailing = false;

  constructor(options: HttpProblemBankOptions) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.cache = options.cache;
    this.cacheTimeoutMs = options.cacheTimeoutMs ?? 250;
    this.ttl = { ...DEFAULT_PROBLEM_BANK_CACHE_TTLS, ...options.ttl };
    this.baseDelayMs = options.retry?.baseDelayMs ?? 100;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 2000;
    this.maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 5000;
    this.failureThreshold = options.circuitBreaker?.failureThreshold ?? 5;
    this.halfOpenAfterMs = options.circuitBreaker?.halfOpenAfterMs ?? 10_000;
    this.prefetchConcurrency = Math.max(1, options.prefetchConcurrency ?? 4);
    this.logger = options.logger ?? new Logger('ProblemBank');

    // Retry outermost, the breaker inside it: every attempt counts towards the breaker, and
    // once it opens the remaining retries stop (an open circuit is not retried).
    const retries = retry(
      handleWhen((error) => this.shouldRetry(error)),
      {
        maxAttempts: options.retry?.retries ?? 2,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) =>
          this.backoffDelay(context),
        ),
      },
    ).dangerouslyUnref();
    this.breaker = new ConsecutiveBreaker(this.failureThreshold);
    this.circuit = circuitBreaker(
      handleWhen((error) => error instanceof ProblemBankError && error.countsAgainstCircuit),
      { halfOpenAfter: this.halfOpenAfterMs, breaker: this.breaker },
    );
    this.circuit.onBreak((reason) => {
      this.openedAt = Date.now();
      this.logger.warn(
        `circuit opened: calls fail fast for ${this.halfOpenAfterMs} ms (${failureMessage(reason)})`,
      );
    });
    this.circuit.onReset(() => {
      this.openedAt = undefined;
      this.logger.log('circuit closed: the problem bank answers again');
    });
    this.policy = wrap(retries, this.circuit);
  }

  async getProblemsByModule(
    module: string,
    [min, max]: [number, number],
    limit: number,
  ): Promise<ProblemMetadata[]> {
    const query = new URLSearchParams({
      module,
      min_difficulty: String(min),
      max_difficulty: String(max),
      limit: String(limit),
    });
    const { value } = await this.load(
      `listing:${module}:${min}-${max}:${limit}`,
      () => this.ttl.listingMs,
      async () => {
        const problems = await this.get(`/problems?${query.toString()}`, parseProblemList);
        if (!problems) throw new ProblemBankError('rejected', 'GET /problems answered 404');
        // The listing carries each problem's metadata: keep it for the next getProblemMetadata.
        await Promise.all(
          problems.map((problem) =>
            this.cacheSet(`metadata:${problem.id}`, { v: problem }, this.ttl.metadataMs),
          ),
        );
        return problems.slice(0, limit);
      },
    );
    return value ?? [];
  }

  async getProblemMetadata(id: string): Promise<ProblemMetadata | undefined> {
    return (await this.loadMetadata(id)).value;
  }

  async getHiddenTests(id: string): Promise<HiddenTests | undefined> {
    const { value } = await this.load(
      `hidden-tests:${id}`,
      (found) => (found ? this.ttl.hiddenTestsMs : this.ttl.notFoundMs),
      async () => {
        const path = `/problems/${encodeURIComponent(id)}/hidden-tests`;
        const hidden = await this.get(path, parseHiddenTests);
        if (hidden && hidden.problem_id !== id) {
          throw new ProblemBankError(
            'invalid-response',
            `GET ${path} answered the hidden tests of "${hidden.problem_id}"`,
          );
        }
        return hidden;
      },
    );
    return value;
  }

  /**
   * Warms the cache with the metadata of the problems a path will show next, so that showing them
   * does not wait for the bank. Never throws: what cannot be fetched now is fetched when asked for.
   * Hidden tests are not prefetched (see docs/problem-bank.md).
   */
  override async prefetch(ids: readonly string[]): Promise<PrefetchReport> {
    const report: PrefetchReport = { warmed: [], cached: [], missing: [], failed: [] };
    if (!this.cache) return report;
    const queue = [...new Set(ids)];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const { value, from } = await this.loadMetadata(id);
          (!value ? report.missing : from === 'cache' ? report.cached : report.warmed).push(id);
        } catch {
          report.failed.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: this.prefetchConcurrency }, worker));
    return report;
  }

  /** Up unless the circuit is open and failing fast; the details say why. */
  async checkHealth(): Promise<HealthReport> {
    const state = this.circuit.state;
    const failFastForMs =
      state === CircuitState.Open && this.openedAt !== undefined
        ? Math.max(0, this.openedAt + this.halfOpenAfterMs - Date.now())
        : 0;
    const circuit =
      state === CircuitState.Closed
        ? 'closed'
        : state === CircuitState.HalfOpen
          ? 'half-open'
          : 'open';
    return {
      up: !(state === CircuitState.Isolated || failFastForMs > 0),
      details: {
        kind: 'http',
        circuit,
        ...(failFastForMs > 0 ? { fails_fast_for_ms: failFastForMs } : {}),
        consecutive_failures: this.breaker.state,
        ...(this.lastFailure ? { last_failure: this.lastFailure } : {}),
        cache: this.cache ? (this.cacheFailing ? 'failing' : 'on') : 'off',
      },
    };
  }

  private loadMetadata(id: string): Promise<Loaded<ProblemMetadata>> {
    return this.load(
      `metadata:${id}`,
      (found) => (found ? this.ttl.metadataMs : this.ttl.notFoundMs),
      async () => {
        const path = `/problems/${encodeURIComponent(id)}`;
        const metadata = await this.get(path, parseProblemMetadata);
        if (metadata && metadata.id !== id) {
          throw new ProblemBankError(
            'invalid-response',
            `GET ${path} answered problem "${metadata.id}"`,
          );
        }
        return metadata;
      },
    );
  }

  /**
   * The cached answer under `key`, else the bank's (then cached for `ttlMs(value)`). Concurrent
   * loads of one key share one request.
   */
  private load<T>(
    key: string,
    ttlMs: (value: T | undefined) => number,
    fetchValue: () => Promise<T | undefined>,
  ): Promise<Loaded<T>> {
    const running = this.inFlight.get(key) as Promise<Loaded<T>> | undefined;
    if (running) return running;
    const loading = (async (): Promise<Loaded<T>> => {
      const hit = await this.cacheGet<T>(key);
      if (hit) return { value: hit.v ?? undefined, from: 'cache' };
      const value = await fetchValue();
      await this.cacheSet(key, { v: value ?? null }, ttlMs(value));
      return { value, from: 'bank' };
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, loading);
    return loading;
  }

  /** GET through the retry and circuit-breaker policies; undefined on a 404. */
  private async get<T>(path: string, parse: (body: unknown) => Parsed<T>): Promise<T | undefined> {
    try {
      return await this.policy.execute(() => this.attempt(path, parse));
    } catch (error) {
      if (isBrokenCircuitError(error)) throw this.circuitOpenError();
      throw error;
    }
  }

  /** One request: the parsed and checked body, undefined on a 404, or a ProblemBankError. */
  private async attempt<T>(
    path: string,
    parse: (body: unknown) => Parsed<T>,
  ): Promise<T | undefined> {
    const what = `GET ${path}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const transportError = (error: unknown): ProblemBankError =>
      controller.signal.aborted
        ? new ProblemBankError('timeout', `${what} timed out after ${this.timeoutMs} ms`)
        : new ProblemBankError('network', `${what} failed: ${networkCause(error)}`, {
            cause: error,
          });
    try {
      let response: Response;
      try {
        response = await fetch(this.baseUrl + path, {
          headers: this.headers,
          signal: controller.signal,
        });
      } catch (error) {
        throw this.failed(transportError(error));
      }
      if (!response.ok) {
        // Read the (small) error body, so that the connection can be reused.
        await response.text().catch(() => undefined);
        if (response.status === 404) return undefined;
        throw this.failed(this.statusError(what, response));
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw this.failed(transportError(error));
      }
      let body: unknown;
      try {
        body = parseExactJson(text);
      } catch {
        throw this.failed(
          new ProblemBankError('invalid-response', `${what} answered a body that is not JSON`),
        );
      }
      const parsed = parse(body);
      if (parsed.ok) return parsed.value;
      throw this.failed(
        new ProblemBankError(
          'invalid-response',
          `${what} answered an invalid body: ${parsed.reason}`,
        ),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private statusError(what: string, response: Response): ProblemBankError {
    const status = response.status;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const after =
        retryAfterMs === undefined ? '' : ` (Retry-After: ${Math.ceil(retryAfterMs / 1000)} s)`;
      return new ProblemBankError('rate-limited', `${what} was rate-limited (429)${after}`, {
        httpStatus: status,
        retryAfterMs,
      });
    }
    if (status >= 500) {
      return new ProblemBankError('server-error', `${what} answered ${status}`, {
        httpStatus: status,
      });
    }
    const why = status === 401 || status === 403 ? ': check PROBLEM_BANK_API_KEY' : '';
    return new ProblemBankError('rejected', `${what} answered ${status}${why}`, {
      httpStatus: status,
    });
  }

  private failed(error: ProblemBankError): ProblemBankError {
    this.lastFailure = error.summary;
    return error;
  }

  private circuitOpenError(): ProblemBankError {
    const remaining =
      this.openedAt === undefined
        ? 0
        : Math.max(0, this.openedAt + this.halfOpenAfterMs - Date.now());
    return new ProblemBankError(
      'circuit-open',
      `unavailable, not called: the circuit breaker is open after ${this.failureThreshold} consecutive failures ` +
        `(last: ${this.lastFailure ?? 'unknown'}); calls fail fast for another ${remaining} ms`,
    );
  }

  private shouldRetry(error: Error): boolean {
    if (!(error instanceof ProblemBankError)) return false;
    if (error.reason === 'rate-limited') {
      return error.retryAfterMs === undefined || error.retryAfterMs <= this.maxRetryAfterMs;
    }
    return error.transient;
  }

  /** Retry-After for a 429 that gave one; otherwise exponential backoff with full jitter. */
  private backoffDelay(context: IRetryBackoffContext<unknown>): number {
    const error = 'error' in context.result ? context.result.error : undefined;
    if (error instanceof ProblemBankError && error.retryAfterMs !== undefined) {
      return error.retryAfterMs;
    }
    return fullJitterDelay(context.attempt, this.baseDelayMs, this.maxDelayMs);
  }

  private async cacheGet<T>(key: string): Promise<Entry<T> | undefined> {
    if (!this.cache) return undefined;
    try {
      const entry = await withTimeout(
        this.cache.get<Entry<T>>(CACHE_PREFIX + key),
        this.cacheTimeoutMs,
        'the cache',
      );
      this.cacheAnswered();
      return typeof entry === 'object' && entry !== null && 'v' in entry ? entry : undefined;
    } catch (error) {
      this.cacheFailed(error);
      return undefined;
    }
  }

  private async cacheSet(key: string, entry: Entry<unknown>, ttlMs: number): Promise<void> {
    if (!this.cache || ttlMs <= 0) return;
    try {
      await withTimeout(
        this.cache.set(CACHE_PREFIX + key, entry, ttlMs),
        this.cacheTimeoutMs,
        'the cache',
      );
      this.cacheAnswered();
    } catch (error) {
      this.cacheFailed(error);
    }
  }

  private cacheAnswered(): void {
    if (!this.cacheFailing) return;
    this.cacheFailing = false;
    this.logger.log('the cache answers again');
  }

  private cacheFailed(error: unknown): void {
    if (this.cacheFailing) return;
    this.cacheFailing = true;
    this.logger.warn(
      `the cache failed (${error instanceof Error ? error.message : String(error)}): ` +
        'asking the problem bank until it answers again',
    );
  }
}

/** What undici says went wrong: its TypeError("fetch failed") keeps the reason in `cause`. */
function networkCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

function failureMessage(reason: unknown): string {
  if (typeof reason === 'object' && reason !== null && 'error' in reason) {
    const { error } = reason as { error: unknown };
    if (error instanceof ProblemBankError) return error.summary;
    return error instanceof Error ? error.message : String(error);
  }
  return 'held open';
}
