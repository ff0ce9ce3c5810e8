import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  Controller,
  Get,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { Public } from '../auth/public.decorator';
import { StartAborted } from './dependencies';
import { EVENT_TRANSPORT } from './event-transport';
import { startProcess, type ProcessDefinition } from './run-process';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | undefined;
}

/** GET over a new connection each time (no keep-alive), so a closed port shows as refused. */
function get(port: number, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      { host: '127.0.0.1', port, path: url, agent: false, headers: { connection: 'close' } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: text ? (JSON.parse(text) as unknown) : undefined,
            retryAfter: response.headers['retry-after'],
          }),
        );
      },
    );
    call.on('error', reject);
    call.end();
  });
}

function refused(port: number): Promise<boolean> {
  return get(port, '/health/live').then(
    () => false,
    (error: { code?: string }) => error.code === 'ECONNREFUSED',
  );
}

/** Captures what the process logs (Nest's ConsoleLogger writes to stdout and stderr). */
function captureOutput(): { text(): string; restore(): void } {
  let text = '';
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += chunk.toString();
      return true;
    }),
  );
  return { text: () => text, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('startProcess', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-lifecycle-'));
  let output: ReturnType<typeof captureOutput>;

  beforeEach(() => {
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens before its database answers: /health/live 200, /health 503, the API 503 with Retry-After, one line saying what it waits for; an abort stops the wait', async () => {
    const [port, databasePort] = await Promise.all([freePort(), freePort()]);
    const controller = new AbortController();
    const starting = startProcess(
      { name: 'waiting-process', role: 'embedded', modules: [] },
      {
        PORT: String(port),
        STUDYPATH_DATA_DIR: dataDir,
        DATABASE_URL: `postgres://app:secret@127.0.0.1:${databasePort}/studypath`,
      },
      { signal: controller.signal, dependencyCheckDelayMs: 10 },
    );
    const outcome = starting.then(
      () => 'started',
      (error: unknown) => error,
    );
    await sleep(300);

    expect(await get(port, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get(port, '/health')).toMatchObject({ status: 503, body: { status: 'down' } });
    expect(await get(port, '/v1/study-tasks/next')).toEqual({
      status: 503,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the service is starting; try again shortly',
      },
      retryAfter: '5',
    });
    await sleep(700);
    const waiting = output.text().match(/waiting for PostgreSQL at [^\n]*/g) ?? [];
    expect(waiting).toEqual([
      expect.stringContaining(`waiting for PostgreSQL at 127.0.0.1:${databasePort}/studypath (`),
    ]);
    expect(output.text()).not.toContain('secret');

    controller.abort();
    expect(await outcome).toBeInstanceOf(StartAborted);
    expect(await refused(port)).toBe(true);
  });

  it('stops in order: HTTP accepts no more, consumers, relays, bus, requests in flight, pools, then what prepare started', async () => {
    const order: string[] = [];
    let port = 0;
    let releaseSlowRequest: () => void = () => undefined;

    class RecordingTransport extends Server implements CustomTransportStrategy {
      private closed = false;
      listen(callback: () => void): void {
        callback();
      }
      async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        order.push(`consumers (HTTP refused: ${String(await refused(port))})`);
      }
      on(): never {
        throw new Error('no events');
      }
      unwrap<T>(): T {
        throw new Error('nothing to unwrap');
      }
    }

    class RecordingHooks
      implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
    {
      onModuleDestroy(): void {
        order.push('relays and jobs');
      }
      beforeApplicationShutdown(): void {
        order.push('bus');
        // The request in flight finishes now, after the bus, and before the pools close.
        setTimeout(() => releaseSlowRequest(), 100);
      }
      onApplicationShutdown(): void {
        order.push('pools and cache');
      }
    }

    @Public()
    @Controller('slow')
    class SlowController {
      @Get()
      async slow(): Promise<{ done: boolean }> {
        await new Promise<void>((resolve) => (releaseSlowRequest = resolve));
        order.push('slow request answered');
        return { done: true };
      }
    }

    @Module({
      controllers: [SlowController],
      providers: [
        RecordingHooks,
        RecordingTransport,
        { provide: EVENT_TRANSPORT, useExisting: RecordingTransport },
      ],
    })
    class RecordingModule {}

    const definition: ProcessDefinition = {
      name: 'ordered-process',
      role: 'embedded',
      modules: [RecordingModule],
      prepare: async (config) => ({
        config,
        stop: async () => {
          order.push('embedded services');
        },
      }),
    };
    const running = await startProcess(definition, {
      PORT: '0',
      STUDYPATH_DATA_DIR: dataDir,
    });
    port = Number(new URL(running.url).port);
    expect((await get(port, '/health')).status).toBe(200);

    const inFlight = get(port, '/v1/slow');
    await sleep(100);
    await running.shutdown();

    expect(await inFlight).toMatchObject({ status: 200, body: { done: true } });
    expect(order).toEqual([
      'consumers (HTTP refused: true)',
      'relays and jobs',
      'bus',
      'slow request answered',
      'pools and cache',
      'embedded services',
    ]);
    // Safe to call again.
    await running.shutdown();
  });
});
