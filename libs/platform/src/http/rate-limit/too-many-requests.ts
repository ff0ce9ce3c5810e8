import { HttpException, HttpStatus } from '@nestjs/common';
import type { RateLimitPolicy } from '../http-edge.config';

const WHAT: Record<RateLimitPolicy, string> = {
  submit: 'too many submissions',
  hint: 'too many hint requests',
  read: 'too many requests',
  anonymous: 'too many requests without a valid token from this client',
};

/** A 429 in the house error shape; the Retry-After header goes with it (set by who throws it). */
export class TooManyRequests extends HttpException {
  constructor(policy: RateLimitPolicy, retryAfterSeconds: number) {
    super(
      {
        message: `${WHAT[policy]}: try again in ${retryAfterSeconds} s`,
        details: { limit: policy, retry_after_seconds: retryAfterSeconds },
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
