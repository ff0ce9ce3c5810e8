import type { LogLevel } from '@nestjs/common';
import type { ServiceName } from '@studypath/contracts';
import type { DEV_TOKEN_ISSUER } from '../auth/dev-keys';
import type { HttpEdgeConfig } from '../http/http-edge.config';
import type { ProcessRole } from './environment';

/**
 * A service's PostgreSQL. `idleInTransactionTimeoutMs`: PostgreSQL ends a session that sits idle
 * inside a transaction for longer (such a transaction holds back every gap-safe reader of the
 * event log); 0 turns it off, absent means DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS.
 */
export type DatabaseConfig =
  | { kind: 'url'; url: string; poolMax: number; idleInTransactionTimeoutMs?: number }
  | {
      kind: 'embedded';
      dataDir: string;
      port: number;
      poolMax: number;
      idleInTransactionTimeoutMs?: number;
    };

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Prefixed to every topic and consumer group: environments (or test runs) sharing a cluster. */
  namespace?: string;
}

/**
 * How bearer tokens are verified. `jwks`: RS256 with the identity provider's published keys;
 * `hs256`: a shared secret (development and tests only); `embedded-dev`: RS256 with the embedded
 * process's local development key pair (`npm run token`).
 */
export type AuthConfig =
  | {
      kind: 'jwks';
      jwksUrl: string;
      issuer: string;
      audience?: string;
      clockSkewSeconds: number;
    }
  | {
      kind: 'hs256';
      secret: string;
      issuer: string;
      audience?: string;
      clockSkewSeconds: number;
    }
  | { kind: 'embedded-dev'; issuer: typeof DEV_TOKEN_ISSUER; clockSkewSeconds: number };

/** The validated, typed configuration of one process. Built once at start by `loadConfig`. */
export interface AppConfig {
  role: ProcessRole;
  /** `distributed` when Kafka is configured, `embedded` (in-process bus) otherwise. */
  mode: 'embedded' | 'distributed';
  /** The services this process runs: one for a service process, all five for the embedded one. */
  services: readonly ServiceName[];
  environment: 'development' | 'production' | 'test';
  http: { host: string; port: number };
  database: DatabaseConfig;
  /** Null: the in-memory cache (embedded mode only). */
  redis: { url: string } | null;
  /** Null: the in-process bus (embedded mode only). */
  kafka: KafkaConfig | null;
  /** Where the embedded process keeps its data (PostgreSQL cluster, dev keys). */
  dataDir: string;
  logLevels: LogLevel[];
  /** How the bearer tokens of every /v1 request are verified. */
  auth: AuthConfig;
  /**
   * How long a SIGINT/SIGTERM shutdown may take before the process exits 1. Longer than the
   * longest a message handler may hold a message (the sandbox's wall limit, for the processes
   * that evaluate submissions): the consumers finish the message in hand before they stop.
   */
  shutdownTimeoutMs: number;
  evaluation: {
    /** Submissions one replica runs at once. */
    concurrency: number;
    /** An external code runner; null runs submissions in the local sandbox. */
    runnerUrl: string | null;
  };
  /** How often the path service looks for tasks to expire. */
  taskExpiryIntervalMs: number;
  /** Hint requests a user may make in any 24 hours, across their tasks (HINT_DAILY_CAP). */
  hintDailyCap: number;
  /** How often the analytics service looks for review cards that are due. */
  reviewDueIntervalMs: number;
  /** Rate limits, long-poll caps, CORS, proxies and who sees the detailed /health report. */
  edge: HttpEdgeConfig;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Hint requests a user may make in any 24 hours when HINT_DAILY_CAP is not set. */
export const DEFAULT_HINT_DAILY_CAP = 40;
