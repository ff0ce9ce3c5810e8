import type { Logger } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';

/** Something a process cannot start without, and how to tell whether it answers right now. */
export interface Dependency {
  /** For logs: `PostgreSQL at db.internal:5432/studypath`. */
  readonly name: string;
  /** Resolves when the dependency answers; rejects with why not. */
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 5_000;

/** `host:port/database` of a PostgreSQL URL, without its credentials. */
function postgresAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

function postgres(url: string): Dependency {
  return {
    name: `PostgreSQL at ${postgresAddress(url)}`,
    async check(): Promise<void> {
      const client = new Client({
        connectionString: url,
        connectionTimeoutMillis: CHECK_TIMEOUT_MS,
        application_name: 'studypath-startup-check',
      });
      // A server going away during the check must not become an unhandled 'error' event.
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

function kafka(config: NonNullable<AppConfig['kafka']>): Dependency {
  return {
    name: `Kafka at ${config.brokers.join(',')}`,
    async check(): Promise<void> {
      // A client of its own, silent and without retries: the waiting loop retries and logs.
      const admin = new Kafka({
        clientId: `${config.clientId}-startup-check`,
        brokers: config.brokers,
        connectionTimeout: 3_000,
        requestTimeout: CHECK_TIMEOUT_MS,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        // A KRaft broker that has not elected its controller yet cannot create topics.
        if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller < 0) {
          throw new Error('the cluster has no controller yet');
        }
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

/**
 * What a process must reach before its application can start: PostgreSQL (migrations run at
 * start) and Kafka (topics are created or verified before the consumers subscribe). Redis is not
 * among them: the cache is never the source of truth, and /health reports it on its own.
 */
export function processDependencies(config: AppConfig): Dependency[] {
  const dependencies: Dependency[] = [];
  if (config.database.kind === 'url') dependencies.push(postgres(config.database.url));
  if (config.kafka) dependencies.push(kafka(config.kafka));
  return dependencies;
}

/** Thrown by a wait that its AbortSignal stopped. */
export class StartAborted extends Error {
  constructor() {
    super('the start was aborted');
    this.name = 'StartAborted';
  }
}

/** Resolves after `ms`, or rejects with StartAborted as soon as `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new StartAborted());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new StartAborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const text = message || (typeof code === 'string' ? code : 'no answer');
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

async function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface DependencyWaiterOptions {
  /** The first pause between two rounds of checks; it doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Checks a process's dependencies until every one answers, with backoff, and says what it waits
 * for: one WARN line when a dependency is found away, one LOG line when it answers again, never
 * a line per attempt.
 */
export class DependencyWaiter {
  /** Since when each dependency that was found away is away (ms). */
  private readonly downSince = new Map<string, number>();
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly dependencies: readonly Dependency[],
    private readonly logger: Pick<Logger, 'log' | 'warn'>,
    options: DependencyWaiterOptions = {},
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
  }

  /** Checks every dependency once; true when all answer. */
  async checkAll(): Promise<boolean> {
    const results = await Promise.all(
      this.dependencies.map(async (dependency) => {
        try {
          await withDeadline(dependency.check(), CHECK_TIMEOUT_MS + 1_000);
          this.record(dependency, undefined);
          return true;
        } catch (error) {
          this.record(dependency, reasonOf(error));
          return false;
        }
      }),
    );
    return results.every(Boolean);
  }

  /** Resolves once every dependency answers; rejects with StartAborted when `signal` aborts. */
  async waitUntilUp(signal?: AbortSignal): Promise<void> {
    for (let delay = this.initialDelayMs; ; delay = Math.min(delay * 2, this.maxDelayMs)) {
      if (signal?.aborted) throw new StartAborted();
      if (await this.checkAll()) return;
      await sleepUnlessAborted(delay, signal);
    }
  }

  private record(dependency: Dependency, downBecause: string | undefined): void {
    const since = this.downSince.get(dependency.name);
    if (downBecause === undefined) {
      if (since === undefined) return;
      this.downSince.delete(dependency.name);
      const seconds = Math.round((Date.now() - since) / 1000);
      this.logger.log(`${dependency.name} answers (after ${seconds} s of waiting)`);
    } else if (since === undefined) {
      this.downSince.set(dependency.name, Date.now());
      this.logger.warn(
        `waiting for ${dependency.name} (${downBecause}); checking again with backoff, at most ${this.maxDelayMs / 1000} s apart`,
      );
    }
  }
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Whether a failure to start came from a dependency that went away (a network error, a Kafka
 * client error, PostgreSQL refusing or ending connections) rather than from the process itself:
 * the first is waited out, the second ends the process.
 */
export function isDependencyFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { name, code, message, cause, originalError } = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    originalError?: unknown;
  };
  if (typeof name === 'string' && name.startsWith('KafkaJS')) return true;
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code)) return true;
    // SQLSTATE: connection exceptions, the server shutting down or starting, too many connections.
    if (/^08...$/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  }
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(message)
  ) {
    return true;
  }
  if (
    error instanceof AggregateError &&
    error.errors.some((e) => isDependencyFailure(e, depth + 1))
  )
    return true;
  return isDependencyFailure(cause, depth + 1) || isDependencyFailure(originalError, depth + 1);
}
