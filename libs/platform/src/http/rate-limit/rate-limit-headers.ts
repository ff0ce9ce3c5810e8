import type { ServerResponse } from 'node:http';
import type { RateLimitDecision } from './rate-limiter';

/** The response headers that describe a rate limit, exposed to browsers by CORS too. */
export const RATE_LIMIT_HEADERS = [
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
];

/** Says how much of the limit is left (RateLimit-*) and, when refused, when to retry. */
export function setRateLimitHeaders(response: ServerResponse, decision: RateLimitDecision): void {
  if (response.headersSent) return;
  response.setHeader('RateLimit-Limit', String(decision.limit));
  if (decision.allowed) {
    response.setHeader('RateLimit-Remaining', String(decision.remaining));
    response.setHeader('RateLimit-Reset', String(decision.resetSeconds));
  } else {
    response.setHeader('RateLimit-Remaining', '0');
    response.setHeader('RateLimit-Reset', String(decision.retryAfterSeconds));
    response.setHeader('Retry-After', String(decision.retryAfterSeconds));
  }
}
