import { Transform } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  isURL,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/** Who is reading the environment: a single service process, or the embedded all-in-one process. */
export type ProcessRole = 'service' | 'embedded';

/** class-transformer helpers for environment variables (strings): integers, trimmed strings. */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

export const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/**
 * A rule over one variable that may look at the others; `name` keys it among the variable's rules.
 * The check sees the transformed value (undefined when the variable is not set).
 */
function Satisfies(
  name: string,
  check: (value: unknown, env: Environment) => boolean,
  message: string,
): PropertyDecorator {
  return ValidateBy(
    { name, validator: { validate: (value, args) => check(value, args?.object as Environment) } },
    { message },
  );
}

const isHttpUrl = (value: unknown): boolean =>
  typeof value === 'string' &&
  isURL(value, { protocols: ['https', 'http'], require_protocol: true, require_tld: false });

/** Whether the environment names a way to check token signatures: a key set or a shared secret. */
const hasTokenKeys = (env: Environment): boolean =>
  env.AUTH_JWKS_URL !== undefined || env.AUTH_HS256_SECRET !== undefined;

// host:port, host being a DNS name, an IPv4 address or a bracketed IPv6 address.
const BROKER = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):\d{1,5}`;
const BROKER_LIST = new RegExp(`^${BROKER}(?:,${BROKER})*$`);

/**
 * The process environment as the platform understands it. Every variable is a string in
 * `process.env`; transforms turn numbers into numbers before validation. A service process
 * (role `service`) must be given its infrastructure; the embedded process defaults every piece.
 */
export class Environment {
  /** Set by the loader, never read from the environment. */
  role!: ProcessRole;

  // A service process states where it runs: what is safe to default differs between production
  // (JSON logs, an audience required, no shared secrets) and the rest, so nothing is assumed. The
  // embedded process is for this machine and defaults to development.
  @ValidateIf((env: Environment) => env.role === 'service' || env.NODE_ENV !== undefined)
  @IsDefined({
    message:
      'NODE_ENV is required for a service process: production, development or test (nothing is assumed for a service)',
  })
  @Satisfies(
    'known',
    (value) => value === undefined || ['development', 'production', 'test'].includes(String(value)),
    'NODE_ENV must be one of production, development, test',
  )
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT?: number;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  HOST?: string;

  @ValidateIf((env: Environment) => env.role === 'service' || env.DATABASE_URL !== undefined)
  @Transform(trimmed)
  @IsString({
    message: 'DATABASE_URL is required for a service process (postgres://user@host:5432/db)',
  })
  @Matches(/^postgres(ql)?:\/\/[^\s/]+(\/[^\s]*)?$/, {
    message:
      'DATABASE_URL must be a postgres:// or postgresql:// URL, e.g. postgres://user@host:5432/db',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DATABASE_POOL_MAX must be an integer between 1 and 200' })
  @Min(1, { message: 'DATABASE_POOL_MAX must be an integer between 1 and 200' })
  @Max(200, { message: 'DATABASE_POOL_MAX must be an integer between 1 and 200' })
  DATABASE_POOL_MAX?: number;

  @IsOptional()
  @Transform(toInt)
  @Satisfies(
    'offOrRange',
    (value) =>
      typeof value === 'number' &&
      Number.isInteger(value) &&
      (value === 0 || (value >= 1000 && value <= 86_400_000)),
    'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS must be 0 (off) or an integer between 1000 and 86400000',
  )
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS?: number;

  @ValidateIf((env: Environment) => env.role === 'service' || env.REDIS_URL !== undefined)
  @Transform(trimmed)
  @IsString({ message: 'REDIS_URL is required for a service process (redis://host:6379)' })
  @Matches(/^rediss?:\/\/[^\s]+$/, {
    message: 'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
  })
  REDIS_URL?: string;

  @ValidateIf((env: Environment) => env.role === 'service' || env.KAFKA_BROKERS !== undefined)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.replace(/\s*,\s*/g, ',').trim() : value,
  )
  @IsString({
    message:
      'KAFKA_BROKERS is required for a service process: a service never runs on the in-process bus (host:port[,host:port...])',
  })
  @Matches(BROKER_LIST, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port, e.g. 127.0.0.1:9092',
  })
  KAFKA_BROKERS?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, {
    message: 'KAFKA_CLIENT_ID may hold letters, digits, ".", "_" and "-" (at most 100)',
  })
  KAFKA_CLIENT_ID?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,60}$/, {
    message:
      'KAFKA_NAMESPACE may hold letters, digits, ".", "_" and "-" (at most 60), e.g. "staging."',
  })
  KAFKA_NAMESPACE?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  STUDYPATH_DATA_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_POSTGRES_PORT must be an integer between 1024 and 65535' })
  @Min(1024, { message: 'EMBEDDED_POSTGRES_PORT must be an integer between 1024 and 65535' })
  @Max(65535, { message: 'EMBEDDED_POSTGRES_PORT must be an integer between 1024 and 65535' })
  EMBEDDED_POSTGRES_PORT?: number;

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'LOG_LEVEL must be one of error, warn, log, debug, verbose',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'SHUTDOWN_TIMEOUT_MS must be an integer between 100 and 600000' })
  @Min(100, { message: 'SHUTDOWN_TIMEOUT_MS must be an integer between 100 and 600000' })
  @Max(600_000, { message: 'SHUTDOWN_TIMEOUT_MS must be an integer between 100 and 600000' })
  SHUTDOWN_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'EVALUATION_CONCURRENCY must be an integer between 1 and 32' })
  @Min(1, { message: 'EVALUATION_CONCURRENCY must be an integer between 1 and 32' })
  @Max(32, { message: 'EVALUATION_CONCURRENCY must be an integer between 1 and 32' })
  EVALUATION_CONCURRENCY?: number;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'CODE_RUNNER_URL must be an http:// or https:// URL' })
  CODE_RUNNER_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'TASK_EXPIRY_INTERVAL_MS must be an integer between 1000 and 86400000' })
  @Min(1000, { message: 'TASK_EXPIRY_INTERVAL_MS must be an integer between 1000 and 86400000' })
  @Max(86_400_000, {
    message: 'TASK_EXPIRY_INTERVAL_MS must be an integer between 1000 and 86400000',
  })
  TASK_EXPIRY_INTERVAL_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'HINT_DAILY_CAP must be an integer between 1 and 10000' })
  @Min(1, { message: 'HINT_DAILY_CAP must be an integer between 1 and 10000' })
  @Max(10_000, { message: 'HINT_DAILY_CAP must be an integer between 1 and 10000' })
  HINT_DAILY_CAP?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'REVIEW_DUE_INTERVAL_MS must be an integer between 1000 and 86400000' })
  @Min(1000, { message: 'REVIEW_DUE_INTERVAL_MS must be an integer between 1000 and 86400000' })
  @Max(86_400_000, {
    message: 'REVIEW_DUE_INTERVAL_MS must be an integer between 1000 and 86400000',
  })
  REVIEW_DUE_INTERVAL_MS?: number;

  // Authentication. A service process verifies tokens with the identity provider's key set
  // (AUTH_JWKS_URL) or, outside production, a shared secret (AUTH_HS256_SECRET); the embedded
  // process without either trusts its local development key (`npm run token`).

  @ValidateIf(
    (env: Environment) =>
      env.AUTH_JWKS_URL !== undefined ||
      (env.role === 'service' && env.AUTH_HS256_SECRET === undefined),
  )
  @Transform(trimmed)
  @IsDefined({
    message:
      "AUTH_JWKS_URL is required for a service process (with AUTH_ISSUER): the identity provider's key set, e.g. https://api.scimigo.com/.well-known/jwks.json; outside production AUTH_HS256_SECRET may stand in for it",
  })
  @Satisfies(
    'httpUrl',
    (value) => value === undefined || isHttpUrl(value),
    'AUTH_JWKS_URL must be an https:// or http:// URL, e.g. https://api.scimigo.com/.well-known/jwks.json',
  )
  AUTH_JWKS_URL?: string;

  @IsOptional()
  @Satisfies(
    'minLength',
    (value) => typeof value === 'string' && value.length >= 32,
    'AUTH_HS256_SECRET must be at least 32 characters',
  )
  @Satisfies(
    'notWithJwks',
    (_value, env) => env.AUTH_JWKS_URL === undefined,
    'AUTH_HS256_SECRET cannot be combined with AUTH_JWKS_URL: set only one of them',
  )
  @Satisfies(
    'notInProduction',
    (_value, env) => env.NODE_ENV !== 'production',
    'AUTH_HS256_SECRET is for development and tests only: with NODE_ENV=production use AUTH_JWKS_URL',
  )
  AUTH_HS256_SECRET?: string;

  @ValidateIf(
    (env: Environment) =>
      env.AUTH_ISSUER !== undefined || env.role === 'service' || hasTokenKeys(env),
  )
  @Transform(trimmed)
  @IsDefined({
    message:
      'AUTH_ISSUER is required with AUTH_JWKS_URL or AUTH_HS256_SECRET: the issuer (iss) every token must name, e.g. https://api.scimigo.com',
  })
  @Satisfies(
    'notEmpty',
    (value) => value === undefined || (typeof value === 'string' && value.length > 0),
    'AUTH_ISSUER must not be blank',
  )
  @Satisfies(
    'needsKeys',
    (_value, env) => env.role === 'service' || hasTokenKeys(env),
    'AUTH_ISSUER needs AUTH_JWKS_URL or AUTH_HS256_SECRET: without them the embedded process only accepts its own development tokens',
  )
  AUTH_ISSUER?: string;

  // In production a service checks the audience: without it, a token the identity provider issued
  // for any other application of the same issuer would be accepted here.
  @ValidateIf(
    (env: Environment) =>
      env.AUTH_AUDIENCE !== undefined || (env.role === 'service' && env.NODE_ENV === 'production'),
  )
  @Transform(trimmed)
  @IsDefined({
    message:
      'AUTH_AUDIENCE is required for a service process with NODE_ENV=production: the audience (aud) its tokens are issued for, e.g. studypath-api; without it a token issued for any other application of the same identity provider would be accepted',
  })
  @Satisfies(
    'notEmpty',
    (value) => value === undefined || (typeof value === 'string' && value.length > 0),
    'AUTH_AUDIENCE must not be blank',
  )
  @Satisfies(
    'needsKeys',
    (_value, env) => env.role === 'service' || hasTokenKeys(env),
    'AUTH_AUDIENCE needs AUTH_JWKS_URL or AUTH_HS256_SECRET: the embedded development tokens carry no audience',
  )
  AUTH_AUDIENCE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'AUTH_CLOCK_SKEW_SECONDS must be an integer between 0 and 300' })
  @Min(0, { message: 'AUTH_CLOCK_SKEW_SECONDS must be an integer between 0 and 300' })
  @Max(300, { message: 'AUTH_CLOCK_SKEW_SECONDS must be an integer between 0 and 300' })
  AUTH_CLOCK_SKEW_SECONDS?: number;
}
