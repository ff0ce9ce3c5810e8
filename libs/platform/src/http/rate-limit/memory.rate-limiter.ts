import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimitPolicy, RateLimitRule } from '../http-edge.config';
import { activeRules, RateLimiter, type RateLimitDecision } from './rate-limiter';
import { decide } from './rate-limiter-res';

/** Rate limits counted in this process: the embedded process's, and the fallback of Redis's. */
export class MemoryRateLimiter extends RateLimiter {
  private readonly limiters: Map<
    RateLimitPolicy,
    { rule: RateLimitRule; limiter: RateLimiterMemory }
  >;

  constructor(rules: Record<RateLimitPolicy, RateLimitRule | null>) {
    super();
    this.limiters = new Map(
      activeRules(rules).map(([policy, rule]) => [
        policy,
        {
          rule,
          limiter: new RateLimiterMemory({
            keyPrefix: policy,
            points: rule.points,
            duration: rule.durationSeconds,
          }),
        },
      ]),
    );
  }

  async consume(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision | undefined> {
    const entry = this.limiters.get(policy);
    if (!entry) return undefined;
    return decide(entry.rule.points, () => entry.limiter.consume(key));
  }

  async close(): Promise<void> {
    // Nothing to release: RateLimiterMemory's timers are unref'd.
  }
}
