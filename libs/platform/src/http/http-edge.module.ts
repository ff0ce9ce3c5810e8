import {
  Inject,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  RequestMethod,
} from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import cors from 'cors';
import helmet from 'helmet';
import type { AppConfig } from '../config/app-config';
import type { HttpEdgeConfig } from './http-edge.config';
import { LongPollSlots } from './long-poll-slots';
import { ClientRateLimitMiddleware } from './rate-limit/client-rate-limit.middleware';
import { MemoryRateLimiter } from './rate-limit/memory.rate-limiter';
import { RateLimiter } from './rate-limit/rate-limiter';
import { RedisRateLimiter } from './rate-limit/redis.rate-limiter';
import { UserRateLimitInterceptor } from './rate-limit/user-rate-limit.interceptor';
import { corsOptions, HELMET_OPTIONS } from './security-headers';

export const HTTP_EDGE_CONFIG = Symbol('HTTP_EDGE_CONFIG');

/**
 * The HTTP edge under abuse, for every route of the process: security headers (helmet), CORS for
 * the configured origins, the per-client cap on traffic without a valid token, per-user limits on
 * the routes marked @RateLimit(), and the long-poll slots. Rate limits live in Redis when the
 * process has one (REDIS_URL), else in memory. Imported by PlatformModule.forRoot; global, so
 * services inject LongPollSlots and RateLimiter.
 */
@Module({})
export class HttpEdgeModule implements NestModule, OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(HTTP_EDGE_CONFIG) private readonly edge: HttpEdgeConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly limiter: RateLimiter,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      global: true,
      module: HttpEdgeModule,
      providers: [
        { provide: HTTP_EDGE_CONFIG, useValue: config.edge },
        {
          provide: RateLimiter,
          useFactory: (): RateLimiter | Promise<RateLimiter> =>
            config.redis
              ? RedisRateLimiter.connect(
                  config.redis.url,
                  config.edge.rateLimits,
                  `studypath:${config.kafka?.namespace ?? ''}ratelimit:`,
                )
              : new MemoryRateLimiter(config.edge.rateLimits),
        },
        { provide: LongPollSlots, useValue: new LongPollSlots(config.edge.longPoll) },
        { provide: APP_INTERCEPTOR, useClass: UserRateLimitInterceptor },
        ClientRateLimitMiddleware,
      ],
      exports: [RateLimiter, LongPollSlots],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(helmet(HELMET_OPTIONS), cors(corsOptions(this.edge.cors)), ClientRateLimitMiddleware)
      // Every route; under the global prefix (/v1) and on the routes excluded from it (/health).
      .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }

  onModuleInit(): void {
    // The address the per-client cap counts by: behind the gateway, the client's, not the gateway's.
    const express = this.adapterHost.httpAdapter?.getInstance<{
      set?: (k: string, v: unknown) => void;
    }>();
    express?.set?.('trust proxy', this.edge.trustProxy);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.limiter.close();
  }
}
