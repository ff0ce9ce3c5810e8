import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadOrCreateDevKeys, mintDevToken } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
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

  it("starts on embedded PostgreSQL, answers /health, serves a user's whole loop, stops on SIGINT with exit 0, and keeps its data", async () => {
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

      expect(await getJson(`${url}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
      const docs = await fetch(`${url}/docs/openapi.json`);
      expect(docs.status).toBe(200);

      // A user's whole loop on the embedded default: a dev token, a path, its first task, a
      // correct submission evaluated in the sandbox, the task completed (all on the in-process bus).
      const token = mintDevToken(await loadOrCreateDevKeys(dataDir), { userId: 'embedded-user' });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const path = await fetch(`${url}/v1/study-paths`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ track_id: 'meta-swe' }),
      });
      expect(path.status).toBe(201);
      let next: { task: { id: string; problem_id: string } } | undefined;
      for (let i = 0; i < 100 && !next; i++) {
        const response = await fetch(`${url}/v1/study-tasks/next`, { headers });
        if (response.status === 200) next = (await response.json()) as typeof next;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const problem = new BundledCatalog().all().find((p) => p.id === next?.task.problem_id);
      const submitted = await fetch(`${url}/v1/study-tasks/${next?.task.id ?? ''}/submit`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ language: 'python', code: problem?.solutions.python }),
      });
      expect(submitted.status).toBe(202);
      const { submission_id: submissionId } = (await submitted.json()) as { submission_id: string };
      let evaluation: { status: string; evaluation: { score: number } | null } | undefined;
      for (let i = 0; i < 10 && evaluation?.status !== 'completed'; i++) {
        const response = await fetch(`${url}/v1/submissions/${submissionId}?wait=3000`, {
          headers,
        });
        if (response.status === 200) evaluation = (await response.json()) as typeof evaluation;
      }
      expect(evaluation).toMatchObject({ status: 'completed', evaluation: { score: 1 } });
      let task: { status: string } | undefined;
      for (let i = 0; i < 50 && task?.status !== 'completed'; i++) {
        task = (await (
          await fetch(`${url}/v1/study-tasks/${next?.task.id ?? ''}`, { headers })
        ).json()) as { status: string };
        if (task.status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(task?.status).toBe('completed');
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
