import type { ServerResponse } from 'node:http';
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable } from 'rxjs';
import type { AuthenticatedUser } from '../../auth/current-user.decorator';
import type { UserRateLimitPolicy } from '../http-edge.config';
import { ProcessMetrics } from '../../metrics/process-metrics';
import { RATE_LIMIT_POLICY } from './rate-limit.decorator';
import { setRateLimitHeaders } from './rate-limit-headers';
import { RateLimiter } from './rate-limiter';
import { TooManyRequests } from './too-many-requests';

/**
 * Applies @RateLimit(policy) per user (the token's subject). An interceptor runs after the guards,
 * so the caller is known; a route without @RateLimit costs nothing.
 */
@Injectable()
export class UserRateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly metrics: ProcessMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const policy = this.reflector.getAllAndOverride<UserRateLimitPolicy | undefined>(
      RATE_LIMIT_POLICY,
      [context.getHandler(), context.getClass()],
    );
    const http = context.switchToHttp();
    const user = http.getRequest<{ user?: AuthenticatedUser }>().user;
    if (!policy || !user) return next.handle();
    return from(this.limiter.consume(policy, `user:${user.id}`)).pipe(
      mergeMap((decision) => {
        if (decision) setRateLimitHeaders(http.getResponse<ServerResponse>(), decision);
        if (decision && !decision.allowed) {
          this.metrics.rateLimitRefusals.inc({ policy });
          throw new TooManyRequests(policy, decision.retryAfterSeconds);
        }
        return next.handle();
      }),
    );
  }
}
