import { testToken } from './test-token';

/** One Server-Sent Event as a client sees it (comments such as `: heartbeat` are skipped). */
export interface SseEvent {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

export interface SseReading {
  events: SseEvent[];
  /**
   * How the reading ended: `terminal` at a `done` or `error` event, `stopped` when `stopAt` said
   * so, `closed` when the server closed the stream (or its process died) before either.
   */
  ended: 'terminal' | 'stopped' | 'closed';
}

export interface SseOptions {
  /** Sent as `Last-Event-ID`, to resume after that event. */
  lastEventId?: string;
  /** Stops reading (closing the connection) once this holds for the events so far. */
  stopAt?: (events: readonly SseEvent[]) => boolean;
  /** Called with every event as it arrives (awaited before the next is read). */
  onEvent?: (event: SseEvent) => void | Promise<void>;
  /** Gives up (closing the connection) after this long; 120 s by default. */
  timeoutMs?: number;
}

/**
 * Reads a hint's event stream (`GET /v1/hints/{id}/stream` at `base`) as `user`, as a client
 * does, until `done` or `error`, until `stopAt` holds, or until the server closes it. Throws on
 * an answer that is not a 200 event stream, and when `timeoutMs` passes first.
 */
export async function readHintStream(
  base: string,
  user: string,
  hintId: string,
  options: SseOptions = {},
): Promise<SseReading> {
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(`${base}/v1/hints/${hintId}/stream`, {
      headers: {
        authorization: `Bearer ${testToken(user)}`,
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
      signal: controller.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.includes('text/event-stream')) {
      throw new Error(
        `GET ${base}/v1/hints/${hintId}/stream answered ${response.status} (${type}): ${await response.text()}`,
      );
    }
    const reader = response.body?.getReader();
    if (!reader) throw new Error('an event stream without a body');
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (timedOut) throw error;
        return { events, ended: 'closed' }; // the connection broke (e.g. its process was killed)
      }
      if (chunk.done) return { events, ended: 'closed' };
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (!event) continue; // a comment: a heartbeat
        events.push(event);
        await options.onEvent?.(event);
        if (event.event === 'done' || event.event === 'error') return { events, ended: 'terminal' };
        if (options.stopAt?.(events)) return { events, ended: 'stopped' };
      }
    }
  } catch (error) {
    if (timedOut) {
      throw new Error(
        `no end of hint ${hintId}'s stream at ${base} within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function parseBlock(block: string): SseEvent | undefined {
  const lines = block.split('\n').filter((line) => !line.startsWith(':'));
  if (lines.length === 0) return undefined;
  const field = (name: string): string =>
    lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
  return {
    event: field('event'),
    id: field('id'),
    data: JSON.parse(field('data')) as Record<string, unknown>,
  };
}

/**
 * The text a correct client shows for a hint's events (of one or more connections, in order): the
 * chunks after the last `reset`, which voids the text before it (the hint started again).
 */
export function hintTextOf(events: readonly SseEvent[]): string {
  let text = '';
  for (const event of events) {
    if (event.event === 'reset') text = '';
    else if (event.event === 'chunk') text += String(event.data.text);
  }
  return text;
}
