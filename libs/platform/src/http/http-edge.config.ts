import { isIP } from 'node:net';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateBy,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { toInt, trimmed, type ProcessRole } from '../config/environment';

/** The per-user limits (keyed by the token's subject) and the per-client one (keyed by address). */
export const RATE_LIMIT_POLICIES = ['submit', 'hint', 'read', 'anonymous'] as const;
export type RateLimitPolicy = (typeof RATE_LIMIT_POLICIES)[number];
/** The policies a route can name with @RateLimit(); `anonymous` is applied by the edge itself. */
export type UserRateLimitPolicy = Exclude<RateLimitPolicy, 'anonymous'>;

/** At most `points` requests per `durationSeconds` (a fixed window from the first request). */
export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

/**
 * Which browser origins may call the API: a list of exact origins, or any origin on this machine
 * (`http(s)://localhost|127.0.0.1|[::1]` on any port: the embedded default, for local web clients).
 */
export type CorsOrigins = { kind: 'list'; origins: string[] } | { kind: 'loopback' };

/** How the HTTP edge defends itself: rate limits, long-poll caps, CORS, proxies, health details. */
export interface HttpEdgeConfig {
  /** null: that limit is off. */
  rateLimits: Record<RateLimitPolicy, RateLimitRule | null>;
  /** Concurrent long-polls (GET /v1/submissions/{id}?wait=) per process and per user. */
  longPoll: { maxWaiters: number; maxWaitersPerUser: number };
  cors: CorsOrigins;
  /** Express's `trust proxy`: false (the socket's address is the client), hops, or addresses. */
  trustProxy: false | number | string[];
  /** The bearer token that shows the detailed /health report; null: none. */
  healthDetailsToken: string | null;
}

export const DEFAULT_RATE_LIMITS: Record<RateLimitPolicy, RateLimitRule> = {
  submit: { points: 30, durationSeconds: 60 },
  hint: { points: 30, durationSeconds: 60 },
  read: { points: 600, durationSeconds: 60 },
  anonymous: { points: 120, durationSeconds: 60 },
};

const RULE = /^(\d{1,6})\/(\d{1,5})([smh])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;
const RULE_MESSAGE = (name: string): string =>
  `${name} must be "<requests>/<window>" with the window in s, m or h (e.g. 30/1m), or "off"`;

function parseRule(value: string | undefined): RateLimitRule | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'off') return null;
  const match = RULE.exec(value);
  if (!match) return undefined;
  const [, points, amount, unit] = match;
  return {
    points: Number(points),
    durationSeconds: Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS],
  };
}

function IsRateRule(name: string): PropertyDecorator {
  return ValidateBy(
    {
      name: 'rateRule',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const rule = parseRule(value);
          return (
            rule === null || (rule !== undefined && rule.points > 0 && rule.durationSeconds > 0)
          );
        },
      },
    },
    { message: RULE_MESSAGE(name) },
  );
}

const ORIGIN =
  /^https?:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !address || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(address) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/** The HTTP edge's variables, validated like the rest of the environment (see Environment). */
class HttpEdgeEnvironment {
  @IsOptional()
  @Transform(trimmed)
  @IsRateRule('RATE_LIMIT_SUBMIT')
  RATE_LIMIT_SUBMIT?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsRateRule('RATE_LIMIT_HINT')
  RATE_LIMIT_HINT?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsRateRule('RATE_LIMIT_READ')
  RATE_LIMIT_READ?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsRateRule('RATE_LIMIT_ANONYMOUS')
  RATE_LIMIT_ANONYMOUS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'LONG_POLL_MAX_WAITERS must be an integer between 0 and 100000' })
  @Min(0, { message: 'LONG_POLL_MAX_WAITERS must be an integer between 0 and 100000' })
  @Max(100_000, { message: 'LONG_POLL_MAX_WAITERS must be an integer between 0 and 100000' })
  LONG_POLL_MAX_WAITERS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'LONG_POLL_MAX_WAITERS_PER_USER must be an integer between 0 and 1000' })
  @Min(0, { message: 'LONG_POLL_MAX_WAITERS_PER_USER must be an integer between 0 and 1000' })
  @Max(1000, { message: 'LONG_POLL_MAX_WAITERS_PER_USER must be an integer between 0 and 1000' })
  LONG_POLL_MAX_WAITERS_PER_USER?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((origin) => origin.trim()) : value,
  )
  @ValidateBy(
    {
      name: 'origins',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          ((value.length === 1 && value[0] === 'none') ||
            value.every((origin) => typeof origin === 'string' && ORIGIN.test(origin))),
      },
    },
    {
      message:
        'CORS_ORIGINS must be "none" or a comma-separated list of origins (scheme://host[:port], no path), e.g. https://app.example.com',
    },
  )
  CORS_ORIGINS?: string[];

  @IsOptional()
  @Transform(trimmed)
  @ValidateBy(
    {
      name: 'trustProxy',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          (/^\d{1,2}$/.test(value) ||
            value.split(',').every((entry) => isProxyAddress(entry.trim()))),
      },
    },
    {
      message:
        'TRUST_PROXY must be a number of proxy hops (e.g. 1) or a comma-separated list of addresses, CIDR ranges, loopback, linklocal or uniquelocal',
    },
  )
  TRUST_PROXY?: string;

  @IsOptional()
  @Matches(/^\S{32,}$/, {
    message: 'HEALTH_DETAILS_TOKEN must be at least 32 characters, without spaces',
  })
  HEALTH_DETAILS_TOKEN?: string;
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [...new Set(Object.values(error.constraints ?? {}))]);
}

/**
 * The HTTP edge's settings from the environment (variables already stripped of empty values), with
 * every problem found; `loadConfig` reports them together with the rest.
 */
export function loadHttpEdgeConfig(
  known: Record<string, string | undefined>,
  role: ProcessRole,
): { edge: HttpEdgeConfig; problems: string[] } {
  const env = plainToInstance(HttpEdgeEnvironment, known);
  const problems = describe(validateSync(env, { forbidUnknownValues: false }));
  const rule = (policy: RateLimitPolicy, value: string | undefined): RateLimitRule | null => {
    const parsed = parseRule(value);
    return parsed === undefined ? DEFAULT_RATE_LIMITS[policy] : parsed;
  };
  const origins = env.CORS_ORIGINS;
  const proxy = env.TRUST_PROXY;
  return {
    problems,
    edge: {
      rateLimits: {
        submit: rule('submit', env.RATE_LIMIT_SUBMIT),
        hint: rule('hint', env.RATE_LIMIT_HINT),
        read: rule('read', env.RATE_LIMIT_READ),
        anonymous: rule('anonymous', env.RATE_LIMIT_ANONYMOUS),
      },
      longPoll: {
        maxWaiters: env.LONG_POLL_MAX_WAITERS ?? 1000,
        maxWaitersPerUser: env.LONG_POLL_MAX_WAITERS_PER_USER ?? 5,
      },
      // A service answers no browser origin unless told; the embedded process serves web clients
      // developed on this machine.
      cors: origins
        ? { kind: 'list', origins: origins[0] === 'none' ? [] : origins }
        : role === 'embedded'
          ? { kind: 'loopback' }
          : { kind: 'list', origins: [] },
      trustProxy:
        proxy === undefined
          ? false
          : /^\d+$/.test(proxy)
            ? Number(proxy)
            : proxy.split(',').map((entry) => entry.trim()),
      healthDetailsToken: env.HEALTH_DETAILS_TOKEN ?? null,
    },
  };
}
