import Redis from 'ioredis';
import { parseExactJson } from '@studypath/contracts';
import type { HealthContributor, HealthReport } from '../health/health-contributor';
import { Cache } from './cache';

/** The distributed mode's cache, shared by all replicas of a service. */
export class RedisCache extends Cache implements HealthContributor {
  readonly healthKey = 'cache';

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  static connect(url: string, keyPrefix: string): RedisCache {
    const redis = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      // The cache is never the source of truth: better a quick miss than a slow request.
      commandTimeout: 250,
      enableOfflineQueue: true,
    });
    // Errors surface through /health and failed calls; without a listener ioredis would log each retry.
    redis.on('error', () => undefined);
    return new RedisCache(redis, keyPrefix);
  }

  async get<T>(key: string): Promise<T | undefined> {
    const json = await this.redis.get(this.keyPrefix + key);
    return json === null ? undefined : (parseExactJson(json) as T);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyPrefix + key, JSON.stringify(value), 'PX', Math.max(1, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.keyPrefix + key);
  }

  async checkHealth(): Promise<HealthReport> {
    const started = process.hrtime.bigint();
    const reply = await this.redis.ping();
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { up: reply === 'PONG', details: { kind: 'redis', latency_ms: round(latencyMs) } };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
