import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimitPolicy, RateLimitRule } from '../http-edge.config';
import { MemoryRateLimiter } from './memory.rate-limiter';
import { activeRules, RateLimiter, type RateLimitDecision } from './rate-limiter';
import { decide } from './rate-limiter-res';

/**
 * Rate limits counted in Redis, so every replica of every service spends the same budget of a user
 * (a Lua script increments and expires atomically). When Redis fails (down, not connected yet,
 * slower than 250 ms), requests are counted in this process instead, with one WARN when that
 * starts and one line when Redis is back: limits stay on (per replica) and no request fails
 * because of the limiter.
 */
export class RedisRateLimiter extends RateLimiter {
  private readonly limiters: Map<
    RateLimitPolicy,
    { rule: RateLimitRule; limiter: RateLimiterRedis }
  >;
  private readonly fallback: MemoryRateLimiter;
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    rules: Record<RateLimitPolicy, RateLimitRule | null>,
    keyPrefix: string,
    private readonly logger: Pick<Logger, 'warn' | 'log'> = new Logger('RateLimits'),
  ) {
    super();
    this.fallback = new MemoryRateLimiter(rules);
    this.limiters = new Map(
      activeRules(rules).map(([policy, rule]) => [
        policy,
        {
          rule,
          limiter: new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${keyPrefix}${policy}`,
            points: rule.points,
            duration: rule.durationSeconds,
            // Not connected: count in memory at once rather than queue behind the reconnection.
            rejectIfRedisNotReady: true,
          }),
        },
      ]),
    );
  }

  /**
   * Connects, and waits for the connection (at most `readyTimeoutMs`) so that the first requests
   * are counted in Redis already; a Redis that does not answer then starts the process counting
   * in memory (with the WARN), not failing.
   */
  static async connect(
    url: string,
    rules: Record<RateLimitPolicy, RateLimitRule | null>,
    keyPrefix: string,
    readyTimeoutMs = 3000,
  ): Promise<RedisRateLimiter> {
    const redis = new Redis(url, {
      maxRetriesPerRequest: 0,
      connectTimeout: 5000,
      // A limiter that waits for Redis slows every request down; the memory fallback does not.
      commandTimeout: 250,
      enableOfflineQueue: false,
    });
    // Failures surface as fallbacks (logged once); without a listener ioredis logs every retry.
    redis.on('error', () => undefined);
    const limiter = new RedisRateLimiter(redis, rules, keyPrefix);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<Error | undefined>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`no answer within ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      redis.once('ready', () => resolve(undefined));
      redis.once('error', (error: Error) => resolve(error));
    });
    clearTimeout(timer);
    if (outcome) limiter.fellBack(outcome);
    return limiter;
  }

  async consume(policy: RateLimitPolicy, key: string): Promise<RateLimitDecision | undefined> {
    const entry = this.limiters.get(policy);
    if (!entry) return undefined;
    try {
      const decision = await decide(entry.rule.points, () => entry.limiter.consume(key));
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Redis is back: rate limits are shared by every replica again');
      }
      return decision;
    } catch (error) {
      this.fellBack(error);
      return this.fallback.consume(policy, key);
    }
  }

  private fellBack(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn(
      `Redis failed (${error instanceof Error ? error.message : String(error)}): counting rate limits in this process until it is back`,
    );
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
