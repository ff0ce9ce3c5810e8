import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runTypeScript, type RunningChild } from '@studypath/testing';

const ENTRY = 'apps/studypath/src/main.ts';

/** The embedded default exactly as `npm start` runs it: nothing configured but a data folder and ports. */
function startEmbedded(dataDir: string, postgresPort: number): RunningChild {
  const { PATH, HOME } = process.env;
  return runTypeScript(ENTRY, {
    PATH,
    HOME,
    PORT: '0',
    STUDYPATH_DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(postgresPort),
  });
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the embedded process (npm start)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-embedded-'));
  const postgresPort = 56000 + Math.floor(Math.random() * 2000);

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on embedded PostgreSQL, answers /health, stops on SIGINT with exit 0, and keeps its data', async () => {
    const first = startEmbedded(dataDir, postgresPort);
    try {
      const [, url] = await first.waitFor(/API:\s+(http:\/\/\S+)\/v1/, 120_000);
      await first.waitFor(/new cluster/);
      expect(first.output()).toMatch(/Docs:\s+http:\/\/\S+\/docs/);
      expect(first.output()).toMatch(/npm run token -- --user/);

      const health = await getJson(`${url}/health`);
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
      expect(Object.keys(health.body.details as object).sort()).toEqual([
        'bus',
        'cache',
        'database:analytics',
        'database:evaluation',
        'database:path',
        'database:task_generation',
        'database:tutor_gateway',
        'outbox:analytics',
        'outbox:evaluation',
        'outbox:path',
        'outbox:task_generation',
        'outbox:tutor_gateway',
      ]);

      // Something to find again after a restart.
      const docs = await fetch(`${url}/docs/openapi.json`);
      expect(docs.status).toBe(200);
    } finally {
      const stoppedAt = Date.now();
      const exit = await first.stop('SIGINT');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    }

    const second = startEmbedded(dataDir, postgresPort);
    try {
      await second.waitFor(/API:\s+http:\/\/\S+\/v1/, 120_000);
      await second.waitFor(/existing data found/);
      expect(second.output()).not.toMatch(/initialising a new PostgreSQL cluster/);
    } finally {
      const exit = await second.stop('SIGTERM');
      expect({ ...exit, output: exit.code === 0 ? '' : second.output() }).toEqual({
        code: 0,
        signal: null,
        output: '',
      });
    }
  }, 240_000);
});
