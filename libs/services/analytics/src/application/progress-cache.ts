import { Injectable, Logger } from '@nestjs/common';
import { Cache } from '@studypath/platform';

/**
 * The analytics answers kept in the platform's Cache (Redis in services, memory embedded). The
 * cache is never the source of truth: a path's entries are dropped after each event of the path
 * commits, and a cache outage only costs a read of the database.
 */
@Injectable()
export class ProgressCache {
  private readonly logger = new Logger('ProgressCache');

  constructor(private readonly cache: Cache) {}

  static progressKey = (pathId: string): string => `analytics:progress:${pathId}`;
  static timelineKey = (pathId: string): string => `analytics:timeline:${pathId}`;
  static percentilesKey = (pathId: string): string => `analytics:percentiles:${pathId}`;
  static dashboardKey = (userId: string): string => `analytics:dashboard:${userId}`;

  async get<T>(key: string): Promise<T | undefined> {
    return this.cache.get<T>(key).catch((error: unknown) => {
      this.logger.warn(`cache unavailable, reading the database: ${String(error)}`);
      return undefined;
    });
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.cache.set(key, value, ttlMs).catch(() => undefined);
  }

  /** Drops what was cached of a path and of its owner's dashboard. */
  async invalidate(userId: string, pathId: string): Promise<void> {
    await Promise.all(
      [
        ProgressCache.progressKey(pathId),
        ProgressCache.timelineKey(pathId),
        ProgressCache.percentilesKey(pathId),
        ProgressCache.dashboardKey(userId),
      ].map((key) =>
        this.cache.delete(key).catch((error: unknown) => {
          this.logger.warn(`could not drop ${key} from the cache: ${String(error)}`);
        }),
      ),
    );
  }
}
