import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ProcessMetrics } from '../../metrics/process-metrics';
import { setRateLimitHeaders } from './rate-limit-headers';
import { RateLimiter } from './rate-limiter';
import { TooManyRequests } from './too-many-requests';

/** Probes must never be refused: a 429 on readiness would take a healthy replica out of traffic. */
function isProbe(request: Request): boolean {
  // originalUrl: a mounted middleware sees `path` relative to its mount point.
  const path = request.originalUrl.split('?', 1)[0] ?? '';
  return path === '/health' || path.startsWith('/health/');
}

/**
 * The per-client cap (RATE_LIMIT_ANONYMOUS) on traffic without a valid token, keyed by the
 * client's address (`req.ip`: behind a proxy, see TRUST_PROXY). A request without a token spends
 * from it before anything else runs; a request whose token is refused (401) spends afterwards, so a
 * client that keeps sending bad tokens soon finds its tokenless requests refused too. Requests with
 * a valid token are left to the per-user limits, so users behind one address (NAT) do not starve
 * each other.
 */
@Injectable()
export class ClientRateLimitMiddleware implements NestMiddleware {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly metrics: ProcessMetrics,
  ) {}

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    if (isProbe(request)) return next();
    const client = `client:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
    if (request.headers.authorization !== undefined) {
      response.on('finish', () => {
        if (response.statusCode === 401) {
          this.limiter.consume('anonymous', client).catch(() => undefined);
        }
      });
      return next();
    }
    const decision = await this.limiter.consume('anonymous', client);
    if (decision) setRateLimitHeaders(response, decision);
    if (decision && !decision.allowed) {
      this.metrics.rateLimitRefusals.inc({ policy: 'anonymous' });
      throw new TooManyRequests('anonymous', decision.retryAfterSeconds);
    }
    next();
  }
}
