import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake LLM does to one request instead of (or while) answering it properly. */
export type FakeOpenAiFault =
  /** Answers this status with a JSON error body (e.g. 429 with `retry-after`, 500). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Destroys the socket without an answer. */
  | { kind: 'drop' }
  /** Sends the headers and the role chunk at once, then waits this long before the first token. */
  | { kind: 'slow-first-token'; ms: number }
  /** Waits this long before every chunk after the first. */
  | { kind: 'slow-chunks'; ms: number }
  /** Sends this many content chunks, then destroys the socket (no finish_reason, no [DONE]). */
  | { kind: 'disconnect'; afterChunks: number }
  /** Sends this many content chunks, then a data line that is not a chunk, then carries on. */
  | { kind: 'malformed'; afterChunks: number; data?: string }
  /** The whole reply as one content chunk, in one write, with no delay at all. */
  | { kind: 'at-once' };

export interface FakeOpenAiRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** When the request arrived (Date.now()), to check backoff and Retry-After. */
  receivedAt: number;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: FakeOpenAiRequestBody | undefined;
}

export interface FakeOpenAiRequestBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: unknown;
  [key: string]: unknown;
}

export interface FakeOpenAiOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** The content deltas of every answer, in order. */
  reply?: readonly string[];
  /** Delay between chunks when no fault says otherwise. */
  chunkDelayMs?: number;
  /** False: ignore `stream_options.include_usage`, as some older servers do. Default true. */
  reportUsage?: boolean;
}

const DEFAULT_REPLY = ['Think about ', 'what the loop ', 'keeps track of.'];

/**
 * An OpenAI-compatible chat-completions endpoint over real HTTP (node:http) for tests: it answers
 * `POST /v1/chat/completions` with a scripted reply, streamed as OpenAI streams it (a role chunk,
 * content chunks, a finish_reason chunk, a usage chunk when `stream_options.include_usage`, then
 * `data: [DONE]`), records every request and injects faults, either once per request in order
 * (`next`) or on every request until cleared (`always`), like FakeProblemBank.
 */
export class FakeOpenAi {
  readonly requests: FakeOpenAiRequest[] = [];
  private readonly queued: FakeOpenAiFault[] = [];
  private persistent: FakeOpenAiFault | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private chunks: readonly string[];
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    /** The base URL an OpenAI client takes (`…/v1`). */
    readonly baseUrl: string,
    private readonly options: FakeOpenAiOptions,
  ) {
    this.chunks = options.reply ?? DEFAULT_REPLY;
  }

  static async start(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeOpenAi(server, `http://127.0.0.1:${port}/v1`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void fake.handle(req, res);
    });
    return fake;
  }

  /** The whole text of the scripted reply. */
  get replyText(): string {
    return this.chunks.join('');
  }

  /** The content deltas of the next answers. */
  reply(chunks: readonly string[]): this {
    this.chunks = chunks;
    return this;
  }

  /** Faults for the next requests, one each, in order. */
  next(...faults: FakeOpenAiFault[]): this {
    this.queued.push(...faults);
    return this;
  }

  /** A fault for every request until `heal()`. */
  always(fault: FakeOpenAiFault): this {
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
    this.chunks = this.options.reply ?? DEFAULT_REPLY;
    return this.heal();
  }

  /** The usage the fake reports for an answer: a deterministic stand-in for a tokenizer. */
  static usageFor(messages: unknown, chunks: readonly string[]): FakeOpenAiUsage {
    const prompt = Array.isArray(messages)
      ? messages.reduce<number>((sum, message: unknown) => sum + contentLength(message), 0)
      : 0;
    const promptTokens = Math.ceil(prompt / 4);
    return {
      prompt_tokens: promptTokens,
      completion_tokens: chunks.length,
      total_tokens: promptTokens + chunks.length,
    };
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const raw = await readBody(req);
    const body = parseJson(raw);
    this.requests.push({
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://fake').pathname,
      authorization: req.headers.authorization,
      receivedAt,
      body,
    });
    const fault = this.queued.shift() ?? this.persistent;
    const sendJson = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (
      this.options.apiKey !== undefined &&
      req.headers.authorization !== `Bearer ${this.options.apiKey}`
    ) {
      return sendJson(401, apiError('invalid_api_key', 'Incorrect API key provided'));
    }
    if (
      req.method !== 'POST' ||
      new URL(req.url ?? '/', 'http://fake').pathname !== '/v1/chat/completions'
    ) {
      return sendJson(404, apiError('not_found', 'no such route'));
    }
    if (body === undefined || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      return sendJson(400, apiError('invalid_request_error', 'model and messages are required'));
    }
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify(apiError('injected', `injected ${fault.status}`)));
      return;
    }
    const id = `chatcmpl-fake-${++this.sequence}`;
    const model = body.model;
    const chunks = fault?.kind === 'at-once' ? [this.chunks.join('')] : [...this.chunks];
    const usage = FakeOpenAi.usageFor(body.messages, chunks);
    if (body.stream !== true) {
      return sendJson(200, {
        id,
        object: 'chat.completion',
        created: Math.floor(receivedAt / 1000),
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: chunks.join('') },
            finish_reason: 'stop',
          },
        ],
        usage,
      });
    }
    await this.stream(res, {
      id,
      model,
      chunks,
      usage,
      fault,
      includeUsage: this.options.reportUsage !== false && wantsUsage(body),
    });
  }

  private async stream(
    res: ServerResponse,
    answer: {
      id: string;
      model: string;
      chunks: string[];
      usage: FakeOpenAiUsage;
      fault: FakeOpenAiFault | undefined;
      includeUsage: boolean;
    },
  ): Promise<void> {
    const { fault } = answer;
    const created = Math.floor(Date.now() / 1000);
    const event = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({
        id: answer.id,
        object: 'chat.completion.chunk',
        created,
        model: answer.model,
        choices,
        ...extra,
      })}\n\n`;
    const delta = (content: Record<string, unknown>, finishReason: string | null = null) => ({
      index: 0,
      delta: content,
      finish_reason: finishReason,
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const tail =
      event([delta({}, 'stop')]) +
      (answer.includeUsage ? event([], { usage: answer.usage }) : '') +
      'data: [DONE]\n\n';
    if (fault?.kind === 'at-once') {
      res.end(
        event([delta({ role: 'assistant', content: '' })]) +
          event([delta({ content: answer.chunks.join('') })]) +
          tail,
      );
      return;
    }
    // Each write waits until it is handed to the socket, so a disconnect comes after the data.
    const send = (data: string): Promise<void> =>
      new Promise<void>((resolve) => res.write(data, () => resolve()));
    await send(event([delta({ role: 'assistant', content: '' })]));
    const firstDelay = fault?.kind === 'slow-first-token' ? fault.ms : 0;
    const chunkDelay = fault?.kind === 'slow-chunks' ? fault.ms : (this.options.chunkDelayMs ?? 0);
    for (let index = 0; index <= answer.chunks.length; index++) {
      // A fault placed at or past the end of the answer happens right before its finish chunk.
      const here = (after: number): boolean => index === Math.min(after, answer.chunks.length);
      if (fault?.kind === 'disconnect' && here(fault.afterChunks)) {
        await this.sleep(20);
        res.socket?.destroy();
        return;
      }
      if (fault?.kind === 'malformed' && here(fault.afterChunks)) {
        await send(`data: ${fault.data ?? '{"id": "broken", "choices": [{"delta": '}\n\n`);
      }
      const content = answer.chunks[index];
      if (content === undefined) break;
      await this.sleep(index === 0 ? firstDelay : chunkDelay);
      if (res.destroyed) return;
      await send(event([delta({ content })]));
    }
    res.end(tail);
  }

  private async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

export interface FakeOpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function apiError(code: string, message: string): { error: Record<string, unknown> } {
  return { error: { message, type: code, param: null, code } };
}

function contentLength(message: unknown): number {
  if (typeof message !== 'object' || message === null || !('content' in message)) return 0;
  return typeof message.content === 'string' ? message.content.length : 0;
}

function wantsUsage(body: FakeOpenAiRequestBody): boolean {
  const options = body.stream_options;
  return (
    typeof options === 'object' &&
    options !== null &&
    'include_usage' in options &&
    options.include_usage === true
  );
}

function parseJson(raw: string): FakeOpenAiRequestBody | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as FakeOpenAiRequestBody)
      : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
