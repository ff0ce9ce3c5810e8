import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../error-response';
import type { UserRateLimitPolicy } from '../http-edge.config';

/** Metadata key of @RateLimit(). */
export const RATE_LIMIT_POLICY = 'studypath:rate-limit';

/**
 * Counts every call of the route against the caller's budget under `policy` (RATE_LIMIT_<POLICY>);
 * over it, the answer is 429 with Retry-After. Routes that share a policy share one budget.
 */
export const RateLimit = (policy: UserRateLimitPolicy): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_POLICY, policy),
    ApiTooManyRequestsResponse({
      type: ErrorResponse,
      description: `Over your "${policy}" rate limit; retry after Retry-After seconds`,
      headers: {
        'Retry-After': {
          description: 'Seconds until the limit allows a request again',
          schema: { type: 'integer' },
        },
        'RateLimit-Limit': {
          description: 'Requests allowed per window',
          schema: { type: 'integer' },
        },
        'RateLimit-Remaining': {
          description: 'Requests left in this window',
          schema: { type: 'integer' },
        },
        'RateLimit-Reset': {
          description: 'Seconds until the window ends',
          schema: { type: 'integer' },
        },
      },
    }),
  );
