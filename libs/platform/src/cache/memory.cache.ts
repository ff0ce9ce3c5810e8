import { LRUCache } from 'lru-cache';
import { parseExactJson } from '@studypath/contracts';
import type { HealthContributor, HealthReport } from '../health/health-contributor';
import { Cache } from './cache';

/** The embedded mode's cache: bounded, per process, with per-entry TTL. */
export class MemoryCache extends Cache implements HealthContributor {
  readonly healthKey = 'cache';
  private readonly entries: LRUCache<string, { json: string }>;

  constructor(maxEntries = 10_000) {
    super();
    this.entries = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    return entry ? (parseExactJson(entry.json) as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    // Stored as JSON so that callers get a copy, as they would from Redis.
    this.entries.set(key, { json: JSON.stringify(value) }, { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async checkHealth(): Promise<HealthReport> {
    return { up: true, details: { kind: 'memory', entries: this.entries.size } };
  }
}
