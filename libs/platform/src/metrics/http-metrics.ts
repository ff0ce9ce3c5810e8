import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config';
import { isLoopbackHost } from '../http/loopback';
import type { ProcessMetrics } from './process-metrics';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Who may read `/metrics` (see docs/observability.md, "Metrics"). */
export interface MetricsAccess {
  /** When set, a scrape must send `Authorization: Bearer <token>` (HEALTH_DETAILS_TOKEN). */
  token: string | null;
  /** The embedded process answers callers on this machine without a token, as /health does. */
  loopbackOpen: boolean;
}

/**
 * Who may read `/metrics`, as for /health's detailed report: with HEALTH_DETAILS_TOKEN set, only a
 * scrape that sends it (and, in the embedded process, callers on this machine); without it, anyone
 * who reaches the port (the metrics name no id, address or error; the gateway does not route it).
 */
export function metricsAccess(config: Pick<AppConfig, 'edge' | 'role'>): MetricsAccess {
  return { token: config.edge.healthDetailsToken, loopbackOpen: config.role === 'embedded' };
}

/** A status for a request whose client went away before any response was sent (nginx's). */
export const CLIENT_CLOSED_REQUEST = 499;

/** The label of a request that matched no route (or was answered before one did). */
export const UNMATCHED_ROUTE = 'unmatched';

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?', 1)[0] ?? '/';
}

/** `/health` and `/health/live` are probes: they are not traffic, and not measured. */
function isProbeOrScrape(path: string): boolean {
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

/**
 * The route label of a finished request: the pattern of the route that served it as Express
 * recorded it on the request, under its router's mount point (`/v1/study-tasks/:id/submit`, never
 * the URL with its ids), or `unmatched` when none did (a 404, or a refusal by a middleware such as
 * the per-client rate limit).
 */
export function routeLabel(request: IncomingMessage): string {
  const { route, baseUrl } = request as IncomingMessage & {
    route?: { path?: unknown };
    baseUrl?: unknown;
  };
  const path = route?.path;
  // Nest mounts its middleware as a catch-all route (`/v1/{*path}`): a request that got no further
  // (refused by a middleware, or matching no route) still carries it.
  if (typeof path !== 'string' || path.length === 0 || path.includes('*')) return UNMATCHED_ROUTE;
  // A route of a mounted router is relative to where the router is mounted.
  return typeof baseUrl === 'string' ? `${baseUrl}${path}` : path;
}

/** The status label: the one sent, or 499 when the client left before anything was sent. */
export function statusLabel(response: ServerResponse): string {
  return String(response.headersSent ? response.statusCode : CLIENT_CLOSED_REQUEST);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function allowed(request: IncomingMessage, access: MetricsAccess, token: Buffer | null): boolean {
  const header = request.headers.authorization;
  if (token && header?.startsWith('Bearer ')) {
    return timingSafeEqual(digest(header.slice('Bearer '.length)), token);
  }
  if (access.loopbackOpen && isLoopbackHost(request.socket.remoteAddress ?? '')) return true;
  return token === null;
}

async function serveMetrics(
  metrics: ProcessMetrics,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-length': '0' }).end();
    return;
  }
  const { contentType, body } = await metrics.exposition();
  response.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body).toString(),
    'cache-control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * The front of a process's HTTP server: answers `GET /metrics` itself (before the application, so
 * a scrape is neither rate limited, nor authenticated as a user, nor measured, and works while
 * the process starts), and times every other request but the probes into
 * `http_server_request_duration_seconds`, once its response is finished or its client gone.
 */
export function withHttpMetrics(
  metrics: ProcessMetrics,
  access: MetricsAccess,
  next: RequestListener,
): RequestListener {
  const token = access.token === null ? null : digest(access.token);
  return (request, response) => {
    const path = pathOf(request);
    if (path === '/metrics') {
      if (!allowed(request, access, token)) {
        response.writeHead(401, { 'www-authenticate': 'Bearer', 'content-length': '0' }).end();
        return;
      }
      serveMetrics(metrics, request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500, { 'content-length': '0' });
        response.end();
      });
      return;
    }
    if (!isProbeOrScrape(path)) {
      const started = process.hrtime.bigint();
      response.once('close', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.httpRequestDuration.observe(
          {
            method: request.method ?? 'UNKNOWN',
            route: routeLabel(request),
            status_code: statusLabel(response),
          },
          seconds,
        );
      });
    }
    next(request, response);
  };
}
