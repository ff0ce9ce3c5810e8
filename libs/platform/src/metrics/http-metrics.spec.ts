import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { readMetrics, sumOf, valuesOf } from './metric-values.spec-helper';
import { routeLabel, statusLabel, withHttpMetrics, type MetricsAccess } from './http-metrics';
import { ProcessMetrics } from './process-metrics';

const TOKEN = 'a-scrape-token-of-at-least-32-characters';

async function serve(
  access: MetricsAccess,
): Promise<{ url: string; metrics: ProcessMetrics; server: Server }> {
  const app = express();
  const router = express.Router();
  router.post('/things/:id/submit', (_request, response) => {
    response.status(202).json({ accepted: true });
  });
  app.use('/v1', router);
  app.get('/health', (_request, response) => {
    response.json({ status: 'up' });
  });
  const metrics = new ProcessMetrics();
  const server = createServer(withHttpMetrics(metrics, access, app));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, metrics, server };
}

describe('withHttpMetrics', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('times requests by method, route pattern and status; /metrics and /health are not measured', async () => {
    const running = await serve({ token: null, loopbackOpen: false });
    server = running.server;
    const id = '0b7f3c9e-1d2a-4c1b-9a55-0e6f0f1b2c3d';
    expect((await fetch(`${running.url}/v1/things/${id}/submit`, { method: 'POST' })).status).toBe(
      202,
    );
    expect((await fetch(`${running.url}/v1/things/${id}/submit`, { method: 'POST' })).status).toBe(
      202,
    );
    expect((await fetch(`${running.url}/v1/nothing/${id}`)).status).toBe(404);
    expect((await fetch(`${running.url}/health`)).status).toBe(200);

    const scrape = await fetch(`${running.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    const name = 'http_server_request_duration_seconds';
    expect(text).toContain(`# TYPE ${name} histogram`);
    expect(text).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE nodejs_heap_size_total_bytes gauge$/m);
    const families = await readMetrics(running.metrics);
    expect(
      sumOf(families, `${name}_count`, {
        method: 'POST',
        route: '/v1/things/:id/submit',
        status_code: '202',
      }),
    ).toBe(2);
    expect(
      sumOf(families, `${name}_count`, { method: 'GET', route: 'unmatched', status_code: '404' }),
    ).toBe(1);
    const routes = new Set(valuesOf(families, `${name}_count`).map((v) => String(v.labels.route)));
    expect([...routes].sort()).toEqual(['/v1/things/:id/submit', 'unmatched']);
    // A scrape is not counted.
    expect((await fetch(`${running.url}/metrics`)).status).toBe(200);
    expect(sumOf(await readMetrics(running.metrics), `${name}_count`)).toBe(3);
  });

  it('asks for the operators token when one is set', async () => {
    const running = await serve({ token: TOKEN, loopbackOpen: false });
    server = running.server;
    expect((await fetch(`${running.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${running.url}/metrics`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${running.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('# TYPE studypath_tasks_total counter');
    expect((await fetch(`${running.url}/metrics`, { method: 'POST' })).status).toBe(401);
  });

  it('answers callers on this machine without the token where loopback is open (the embedded process)', async () => {
    const running = await serve({ token: TOKEN, loopbackOpen: true });
    server = running.server;
    expect((await fetch(`${running.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${running.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('labels', () => {
  it('takes the route pattern Express matched, else unmatched', () => {
    expect(routeLabel(Object.assign(Object.create(null), { route: { path: '/v1/x/:id' } }))).toBe(
      '/v1/x/:id',
    );
    expect(routeLabel(Object.create(null))).toBe('unmatched');
    // Nest's middleware, mounted on every path, is all a request refused by one went through.
    expect(routeLabel(Object.assign(Object.create(null), { route: { path: '/v1/{*path}' } }))).toBe(
      'unmatched',
    );
  });

  it('says 499 for a client that left before any response', () => {
    expect(statusLabel({ headersSent: false, statusCode: 200 } as never)).toBe('499');
    expect(statusLabel({ headersSent: true, statusCode: 503 } as never)).toBe('503');
  });
});
