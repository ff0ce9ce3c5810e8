import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExpressAdapter } from '@nestjs/platform-express';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** How long a client is asked to wait before it tries a process that is starting again (s). */
const RETRY_AFTER_SECONDS = 5;

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json).toString(),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(json);
}

/**
 * The HTTP server of a process, listening from the first moment of its start: until the
 * application is ready it answers by itself (`/health/live` 200, `/health` 503 `{"status":"down"}`,
 * every other route 503 with Retry-After), then it hands every request to the application, on the
 * same socket (no moment where the port is closed). Nest uses it through `adapterForApplication`.
 *
 * A shutdown first stops it accepting connections (`stopAccepting`); the requests in flight finish
 * while the application closes, before its database pools do (Nest's dispose step, `drain`).
 */
export class ProcessHttpServer {
  readonly server: Server;
  private listener: RequestListener;
  private closed: Promise<void> | undefined;

  /** `front` wraps every request, the standby answers' and the application's (e.g. /metrics). */
  constructor(front: (next: RequestListener) => RequestListener = (next) => next) {
    this.listener = (request, response) => this.standby(request, response);
    this.server = createServer(front((request, response) => this.listener(request, response)));
  }

  /** Listens on `port` (0: any free port) and `host`; rejects when it cannot (e.g. EADDRINUSE). */
  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The port it listens on (the chosen one when asked for port 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** From now on every request goes to the application. */
  serve(application: RequestListener): void {
    this.listener = application;
  }

  /**
   * An Express adapter for NestFactory.create that uses this server rather than a new one. Closing
   * the application drains the server if a shutdown has begun, and leaves it alone otherwise (a
   * start that failed is tried again on the same server).
   */
  adapterForApplication(drainMs: number): ExpressAdapter {
    return new PreboundExpressAdapter(this, drainMs);
  }

  /** Stops accepting connections; requests in flight go on. Safe to call more than once. */
  stopAccepting(): void {
    if (this.closed || !this.server.listening) return;
    this.closed = new Promise<void>((resolve) => {
      // A connection becomes idle once its response is sent; keep-alive would keep it open.
      const sweep = setInterval(() => this.server.closeIdleConnections(), 50);
      this.server.close(() => {
        clearInterval(sweep);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  /**
   * Once `stopAccepting` has begun: waits until the requests in flight have finished, at most
   * `graceMs`, then closes the connections left (event streams, whose clients resume). Before
   * that, does nothing.
   */
  async drain(graceMs: number): Promise<void> {
    if (!this.closed) return;
    const deadline = setTimeout(() => this.server.closeAllConnections(), graceMs);
    try {
      await this.closed;
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Stops accepting connections and drains (see drain). */
  async stop(graceMs: number): Promise<void> {
    this.stopAccepting();
    await this.drain(graceMs);
  }

  private standby(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0]?.replace(/\/+$/, '') ?? '';
    if (path === '/health/live') {
      sendJson(response, 200, { status: 'ok' });
    } else if (path === '/health') {
      // The public answer of /health once the application serves it; what the process waits for
      // is in its log (never here: it names internal addresses).
      sendJson(response, 503, { status: 'down' });
    } else {
      sendJson(
        response,
        503,
        {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'the service is starting; try again shortly',
        },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    }
  }
}

/** Nest's Express adapter on a server that listens already (see adapterForApplication). */
class PreboundExpressAdapter extends ExpressAdapter {
  constructor(
    private readonly http: ProcessHttpServer,
    private readonly drainMs: number,
  ) {
    super();
  }

  override initHttpServer(): void {
    this.setHttpServer(this.http.server);
  }

  override close(): Promise<void> {
    return this.http.drain(this.drainMs);
  }
}
