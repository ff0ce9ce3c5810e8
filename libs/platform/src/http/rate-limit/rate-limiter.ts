import type { RateLimitPolicy, RateLimitRule } from '../http-edge.config';

/** What one request costs against a limit: allowed (with what is left) or refused (until when). */
export type RateLimitDecision =
  | { allowed: true; limit: number; remaining: number; resetSeconds: number }
  | { allowed: false; limit: number; retryAfterSeconds: number };

/**
 * The rate-limit port: counts requests per policy and key (a user id, a client address) in fixed
 * windows. Two adapters, one contract (rate-limiter.contract-suite.ts): in memory (the embedded
 * process) and Redis (services, so every replica counts against the same budget).
 */
export abstract class RateLimiter {
  /** Spends one request of `key` under `policy`; a policy that is off always allows. */
  abstract consume(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision | undefined>;

  abstract close(): Promise<void>;
}

/** Whole seconds until `ms` have passed, at least 1: what Retry-After can say. */
export const secondsFrom = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The rules that are on, by policy. */
export function activeRules(
  rules: Record<RateLimitPolicy, RateLimitRule | null>,
): [RateLimitPolicy, RateLimitRule][] {
  return Object.entries(rules).filter((entry): entry is [RateLimitPolicy, RateLimitRule] =>
    Boolean(entry[1]),
  );
}
