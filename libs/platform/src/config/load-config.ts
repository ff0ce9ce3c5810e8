import * as path from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { SERVICE_NAMES, type ServiceName } from '@studypath/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DEV_TOKEN_ISSUER } from '../auth/dev-keys';
import { loadHttpEdgeConfig } from '../http/http-edge.config';
import { DEFAULT_HINT_DAILY_CAP, type AppConfig, type AuthConfig } from './app-config';
import { Environment, type ProcessRole } from './environment';

/** Thrown when the environment is invalid; its message lists every bad or missing variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface LoadConfigOptions {
  role: ProcessRole;
  /** The service this process runs (role `service`); the embedded process runs them all. */
  service?: ServiceName;
  /** Defaults to process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative data directories; defaults to the current working directory. */
  cwd?: string;
  /**
   * The longest one message handler of this process may work on a message (the evaluation
   * service: the sandbox's wall limit). A shutdown lets the consumers finish the message in
   * hand, so the shutdown timeout must be longer: it defaults to this plus SHUTDOWN_MARGIN_MS,
   * and a shorter SHUTDOWN_TIMEOUT_MS is refused.
   */
  longestHandlerMs?: number;
}

/** The default shutdown timeout of a process whose handlers are quick. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/** What a shutdown needs besides the longest handler: HTTP drain, relays, producer, pools. */
export const SHUTDOWN_MARGIN_MS = 30_000;
/** Used when DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS is not set. */
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

function describe(errors: ValidationError[]): string[] {
  // Several constraints of one variable often share a message; say it once.
  return errors.flatMap((error) => [
    ...new Set(
      Object.values(error.constraints ?? {}).map((message) =>
        message.startsWith(error.property) ? message : `${error.property}: ${message}`,
      ),
    ),
  ]);
}

/** The token verification the (validated) environment asks for; see Environment's AUTH_* rules. */
function authConfig(env: Environment): AuthConfig {
  const clockSkewSeconds = env.AUTH_CLOCK_SKEW_SECONDS ?? 30;
  const audience = env.AUTH_AUDIENCE === undefined ? {} : { audience: env.AUTH_AUDIENCE };
  if (env.AUTH_JWKS_URL !== undefined && env.AUTH_ISSUER !== undefined) {
    return {
      kind: 'jwks',
      jwksUrl: env.AUTH_JWKS_URL,
      issuer: env.AUTH_ISSUER,
      ...audience,
      clockSkewSeconds,
    };
  }
  if (env.AUTH_HS256_SECRET !== undefined && env.AUTH_ISSUER !== undefined) {
    return {
      kind: 'hs256',
      secret: env.AUTH_HS256_SECRET,
      issuer: env.AUTH_ISSUER,
      ...audience,
      clockSkewSeconds,
    };
  }
  return { kind: 'embedded-dev', issuer: DEV_TOKEN_ISSUER, clockSkewSeconds };
}

/** Validates the environment once and returns the typed configuration, or throws ConfigError. */
export function loadConfig(options: LoadConfigOptions): AppConfig {
  const raw = options.env ?? process.env;
  const known = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(Environment, { ...known, role: options.role });
  const problems = describe(validateSync(env, { forbidUnknownValues: false }));
  const edge = loadHttpEdgeConfig(known, options.role);
  problems.push(...edge.problems);
  if (options.role === 'service' && !options.service) {
    problems.push('a service process must name the service it runs');
  }
  const longestHandlerMs = options.longestHandlerMs ?? 0;
  // (A value that is not a number was reported above.)
  if (typeof env.SHUTDOWN_TIMEOUT_MS === 'number' && env.SHUTDOWN_TIMEOUT_MS <= longestHandlerMs) {
    problems.push(
      `SHUTDOWN_TIMEOUT_MS must be longer than ${longestHandlerMs} ms, the longest a message handler of this process may take (the sandbox's wall limit): a shutdown lets it finish; e.g. ${longestHandlerMs + SHUTDOWN_MARGIN_MS}`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }

  const cwd = options.cwd ?? process.cwd();
  const dataDir = path.resolve(cwd, env.STUDYPATH_DATA_DIR ?? '.studypath');
  const pool = {
    poolMax: env.DATABASE_POOL_MAX ?? 10,
    idleInTransactionTimeoutMs:
      env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
  const services: readonly ServiceName[] =
    options.role === 'service' && options.service ? [options.service] : SERVICE_NAMES;
  const logLevel = (env.LOG_LEVEL ?? 'log') as LogLevel;

  return {
    role: options.role,
    mode: env.KAFKA_BROKERS ? 'distributed' : 'embedded',
    services,
    environment: (env.NODE_ENV ?? 'development') as AppConfig['environment'],
    // The embedded process is for this machine (it may run submissions unisolated); a service in a
    // container must be reachable from outside it.
    http: {
      host: env.HOST ?? (options.role === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
      port: env.PORT ?? 3000,
    },
    database: env.DATABASE_URL
      ? { kind: 'url', url: env.DATABASE_URL, ...pool }
      : {
          kind: 'embedded',
          dataDir: path.join(dataDir, 'postgres'),
          port: env.EMBEDDED_POSTGRES_PORT ?? 54329,
          ...pool,
        },
    redis: env.REDIS_URL ? { url: env.REDIS_URL } : null,
    kafka: env.KAFKA_BROKERS
      ? {
          brokers: env.KAFKA_BROKERS.split(','),
          clientId: env.KAFKA_CLIENT_ID ?? `studypath-${options.service ?? 'embedded'}`,
          namespace: env.KAFKA_NAMESPACE ?? '',
        }
      : null,
    dataDir,
    logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(logLevel) + 1),
    shutdownTimeoutMs:
      env.SHUTDOWN_TIMEOUT_MS ??
      Math.max(DEFAULT_SHUTDOWN_TIMEOUT_MS, longestHandlerMs + SHUTDOWN_MARGIN_MS),
    evaluation: {
      concurrency: env.EVALUATION_CONCURRENCY ?? 2,
      runnerUrl: env.CODE_RUNNER_URL ?? null,
    },
    taskExpiryIntervalMs: env.TASK_EXPIRY_INTERVAL_MS ?? 60_000,
    hintDailyCap: env.HINT_DAILY_CAP ?? DEFAULT_HINT_DAILY_CAP,
    reviewDueIntervalMs: env.REVIEW_DUE_INTERVAL_MS ?? 60_000,
    edge: edge.edge,
    auth: authConfig(env),
  };
}
