import type { CorsOptions } from 'cors';
import type { HelmetOptions } from 'helmet';
import type { CorsOrigins } from './http-edge.config';
import { isLoopbackHost } from './loopback';
import { RATE_LIMIT_HEADERS } from './rate-limit/rate-limit-headers';

/**
 * helmet's defaults, with the strictest content policy: the API serves JSON only, never a page to
 * render or frame (/docs is served before this middleware and keeps its own headers).
 */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
};

/** Whether a browser page at `origin` may call the API (CORS_ORIGINS). */
export function isAllowedOrigin(origin: string, allowed: CorsOrigins): boolean {
  if (allowed.kind === 'list') return allowed.origins.includes(origin);
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

/**
 * CORS for the configured origins only; any other origin gets no CORS headers, so browsers refuse
 * to hand it the response. Bearer tokens, not cookies: no credentials mode.
 */
export function corsOptions(allowed: CorsOrigins): CorsOptions {
  return {
    origin: (origin, callback) =>
      callback(null, origin !== undefined && isAllowedOrigin(origin, allowed) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
    exposedHeaders: [...RATE_LIMIT_HEADERS, 'WWW-Authenticate'],
    credentials: false,
    maxAge: 600,
  };
}
