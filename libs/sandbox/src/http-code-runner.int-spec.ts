import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunRequest, RunResult } from './code-runner';
import { HttpCodeRunner } from './http-code-runner';

const request: RunRequest = {
  language: 'python',
  code: 'def f(x):\n    return x\n',
  signature: {
    params: [{ name: 'x', type: 'int' }],
    returns: 'int',
    python: { name: 'f', stub: 'def f(x):\n    pass\n' },
    javascript: { name: 'f', stub: 'function f(x) {}\n' },
  },
  comparator: { kind: 'exact' },
  tests: [{ args: [1], expected: 1, hidden: true }],
};

const passed: RunResult = {
  status: 'passed',
  score: 1,
  passed: 1,
  total: 1,
  runtime_ms: 3,
  memory_kb: 9000,
  tests: [
    {
      index: 0,
      hidden: true,
      status: 'pass',
      message: null,
      input: null,
      actual: null,
      expected: null,
      time_ms: 1,
    },
  ],
  message: null,
};

describe('HttpCodeRunner (a real local HTTP server as the external runner)', () => {
  let server: Server;
  let url: string;
  let mode: 'ok' | 'error' | 'garbage' | 'slow' = 'ok';
  const received: unknown[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, body: JSON.parse(body) as unknown });
        if (mode === 'slow') return; // never answers
        res.writeHead(mode === 'error' ? 500 : 200, { 'content-type': 'application/json' });
        res.end(mode === 'garbage' ? '{"hello": 1}' : JSON.stringify(passed));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the run request and returns the runner’s result', async () => {
    mode = 'ok';
    expect(await new HttpCodeRunner({ url }).run(request)).toEqual(passed);
    expect(received.at(-1)).toEqual({ method: 'POST', url: '/v1/run', body: request });
  });

  it.each([
    ['answers 500', 'error', /answered 500/],
    ['answers something else', 'garbage', /not a run result/],
    ['does not answer in time', 'slow', /did not answer in time/],
  ] as const)('reports an infrastructure error when the runner %s', async (_, failure, message) => {
    mode = failure;
    const result = await new HttpCodeRunner({ url, timeoutMs: 300 }).run(request);
    expect(result).toMatchObject({ status: 'infrastructure_error', score: 0, total: 1 });
    expect(result.message).toMatch(message);
  });

  it('reports an infrastructure error when the runner cannot be reached', async () => {
    const result = await new HttpCodeRunner({ url: 'http://127.0.0.1:1' }).run(request);
    expect(result).toMatchObject({ status: 'infrastructure_error' });
    expect(result.message).toMatch(/could not be reached/);
  });
});
