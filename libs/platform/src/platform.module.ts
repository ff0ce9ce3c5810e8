import {
  Global,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthCheckLogger } from './health/health-check.logger';
import { Cache } from './cache/cache';
import { MemoryCache } from './cache/memory.cache';
import { RedisCache } from './cache/redis.cache';
import { AuthModule } from './auth/auth.module';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { HealthController } from './health/health.controller';
import { HealthRegistry } from './health/health-contributor';
import { HttpEdgeModule } from './http/http-edge.module';
import { ProcessMetrics } from './metrics/process-metrics';

class CacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly cache: Cache,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    if (this.cache instanceof MemoryCache || this.cache instanceof RedisCache) {
      this.health.register(this.cache);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.cache instanceof RedisCache) await this.cache.close();
  }
}

/**
 * What every process has: its typed configuration, the cache, GET /health over whatever
 * dependencies its modules register, and bearer-token authentication of every route that is not
 * @Public() (AuthModule).
 */
@Global()
@Module({})
export class PlatformModule {
  /** `metrics`: the process's (runProcess serves them on /metrics); tests may leave it out. */
  static forRoot(config: AppConfig, metrics = new ProcessMetrics()): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        TerminusModule.forRoot({
          errorLogStyle: 'pretty',
          gracefulShutdownTimeoutMs: 0,
          logger: HealthCheckLogger,
        }),
        AuthModule.forRoot(config),
        HttpEdgeModule.forRoot(config),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ProcessMetrics, useValue: metrics },
        HealthRegistry,
        {
          provide: Cache,
          useFactory: (): Cache =>
            config.redis
              ? RedisCache.connect(config.redis.url, `studypath:${config.services.join('+')}:`)
              : new MemoryCache(),
        },
        {
          provide: CacheLifecycle,
          inject: [Cache, HealthRegistry],
          useFactory: (cache: Cache, health: HealthRegistry) => new CacheLifecycle(cache, health),
        },
      ],
      exports: [APP_CONFIG, HealthRegistry, Cache, ProcessMetrics],
    };
  }
}
