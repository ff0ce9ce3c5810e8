import { RateLimiterRes } from 'rate-limiter-flexible';
import { secondsFrom, type RateLimitDecision } from './rate-limiter';

/**
 * Runs one `consume` of rate-limiter-flexible and turns its answer into a decision: it resolves
 * when the request is allowed and rejects with a RateLimiterRes when it is not. Any other
 * rejection (the store failed) is rethrown.
 */
export async function decide(
  limit: number,
  consume: () => Promise<RateLimiterRes>,
): Promise<RateLimitDecision> {
  try {
    const res = await consume();
    return {
      allowed: true,
      limit,
      remaining: res.remainingPoints,
      resetSeconds: secondsFrom(res.msBeforeNext),
    };
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return { allowed: false, limit, retryAfterSeconds: secondsFrom(error.msBeforeNext) };
  }
}
