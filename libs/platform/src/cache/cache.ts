/**
 * A key-value cache with time-to-live. Redis in the distributed mode, process memory in the
 * embedded one. Values are JSON-serialisable.
 */
export abstract class Cache {
  abstract get<T>(key: string): Promise<T | undefined>;
  abstract set(key: string, value: unknown, ttlMs: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
}
