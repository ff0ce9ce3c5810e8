export * from './cache/cache';
export * from './cache/memory.cache';
export * from './cache/redis.cache';
export * from './config/app-config';
export * from './config/environment';
export * from './config/load-config';
export * from './database/database.module';
export * from './database/embedded-postgres.server';
export * from './database/service-data-source';
export * from './health/health-contributor';
export * from './http/http-edge.config';
export * from './http/http-edge.module';
export * from './http/long-poll-slots';
export * from './http/loopback';
export * from './http/rate-limit/memory.rate-limiter';
export * from './http/rate-limit/rate-limit.decorator';
export * from './http/rate-limit/rate-limiter';
export * from './http/rate-limit/redis.rate-limiter';
export * from './http/rate-limit/too-many-requests';
export * from './lifecycle/event-transport';
export * from './lifecycle/run-process';
export * from './platform.module';
export * from './auth/auth-failures';
export * from './auth/auth.module';
export * from './auth/current-user.decorator';
export * from './auth/dev-keys';
export * from './auth/jwt-auth.guard';
export * from './auth/public.decorator';
export {
  DEFAULT_JWKS_CLIENT_SETTINGS,
  JWKS_CLIENT_SETTINGS,
  type JwksClientSettings,
} from './auth/signing-keys';
export * from './tracing/trace-context';
export * from './logging/process.logger';
export { stopTracing, tracingEnabled } from './tracing/start-tracing';
export * from './http/error-response';
export * from './http/error.filter';
export * from './ids/deterministic-uuid';
export * from './metrics/process-metrics';
export * from './metrics/http-metrics';
export * from './metrics/scrape-sampler';
