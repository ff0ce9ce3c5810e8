import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BundledCatalog } from '../bundled-catalog';

/** What the fake bank does to a request instead of (or before) answering it properly. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Destroys the socket without an answer. */
  | { kind: 'drop' }
  /** Answers properly, after a delay. */
  | { kind: 'delay'; ms: number }
  /** Answers 200 with this body. */
  | { kind: 'body'; body: string };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

/**
 * A problem bank over real HTTP (node:http) for tests: it serves the bundled catalog with the API
 * of docs/problem-bank.md and injects faults, either once per request in order (`next`) or on
 * every request until cleared (`always`).
 */
export class FakeProblemBank {
  readonly requests: RecordedRequest[] = [];
  private readonly queued: Fault[] = [];
  private persistent: Fault | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly apiKey: string,
    private readonly catalog: BundledCatalog,
  ) {}

  static async start(apiKey = 'test-api-key'): Promise<FakeProblemBank> {
    const catalog = new BundledCatalog();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const bank = new FakeProblemBank(server, `http://127.0.0.1:${port}`, apiKey, catalog);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => bank.handle(req, res));
    return bank;
  }

  /** Faults for the next requests, one each, in order. */
  next(...faults: Fault[]): this {
    this.queued.push(...faults);
    return this;
  }

  /** A fault for every request until `heal()`. */
  always(fault: Fault): this {
    this.persistent = fault;
    return this;
  }

  heal(): this {
    this.queued.length = 0;
    this.persistent = undefined;
    return this;
  }

  reset(): this {
    this.requests.length = 0;
    return this.heal();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    });
    const fault = this.queued.shift() ?? this.persistent;
    switch (fault?.kind) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }));
        return;
      case 'body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(fault.body);
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed) void this.answer(url, req, res);
        }, fault.ms);
        this.timers.add(timer);
        return;
      }
      case undefined:
        void this.answer(url, req, res);
        return;
    }
  }

  private async answer(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return send(401, { error: 'unknown API key' });
    }
    if (req.method !== 'GET') return send(405, { error: 'GET only' });
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length === 1 && parts[0] === 'problems') {
      const query = url.searchParams;
      const numbers = ['min_difficulty', 'max_difficulty', 'limit'].map((name) =>
        Number(query.get(name)),
      );
      const module = query.get('module');
      if (!module || !numbers.every(Number.isInteger)) {
        return send(400, {
          error: 'module, min_difficulty, max_difficulty and limit are required',
        });
      }
      const [min, max, limit] = numbers as [number, number, number];
      return send(200, {
        problems: await this.catalog.getProblemsByModule(module, [min, max], limit),
      });
    }
    if (parts.length === 2 && parts[0] === 'problems') {
      const metadata = await this.catalog.getProblemMetadata(parts[1] as string);
      return metadata ? send(200, metadata) : send(404, { error: 'no such problem' });
    }
    if (parts.length === 3 && parts[0] === 'problems' && parts[2] === 'hidden-tests') {
      const hidden = await this.catalog.getHiddenTests(parts[1] as string);
      return hidden ? send(200, hidden) : send(404, { error: 'no such problem' });
    }
    return send(404, { error: 'no such route' });
  }
}
