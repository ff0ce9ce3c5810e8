import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadOrCreateDevKeys, mintDevToken } from '@studypath/platform';
import { BundledCatalog } from '@studypath/problem-bank';
import { WORKSPACE_ROOT, type ChildExit } from '@studypath/testing';

const ENTRY = 'apps/studypath/src/main.ts';

interface EmbeddedProcess {
  pid: number;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<ChildExit>;
}

/**
 * `npm start` as a terminal runs it: in a process group of its own, which a Ctrl-C signals as a
 * whole (every process in the group gets SIGINT, not only ours).
 */
function startEmbedded(dataDir: string, postgresPort: number): EmbeddedProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', ENTRY], {
    cwd: WORKSPACE_ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      STUDYPATH_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(postgresPort),
      FORCE_COLOR: '0',
      NO_COLOR: '1',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid: child.pid ?? 0,
    output: () => output,
    exited,
    async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (done) throw new Error(`exited before printing ${String(pattern)}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no ${String(pattern)}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** The session id of a process (field 6 of /proc/<pid>/stat). */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

/** Lines at WARN or ERROR level, in Nest's console format. */
const warningsAndErrors = (text: string): string[] =>
  text.split('\n').filter((line) => /\b(WARN|ERROR)\b/.test(line));

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe('a clean stop of the embedded process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'studypath-shutdown-'));
  const postgresPort = 58000 + Math.floor(Math.random() * 2000);
  const postgresLog = path.join(dataDir, 'postgres', 'postgres.log');

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signals: [NodeJS.Signals, string][] = [
    ['SIGINT', 'Ctrl-C: to the whole process group'],
    ['SIGTERM', 'to the process'],
  ];

  it.each(signals)(
    'stops on %s (%s) while a submission is being evaluated: exit 0, no WARN or ERROR line, PostgreSQL stopped last, nothing lost',
    async (signal) => {
      const app = startEmbedded(dataDir, postgresPort);
      let exit: ChildExit;
      let submission = '';
      let taskId = '';
      const token = async (): Promise<string> =>
        mintDevToken(await loadOrCreateDevKeys(dataDir), { userId: `shutdown-${signal}` });
      try {
        const [, url] = await app.waitFor(/API:\s+(http:\/\/\S+)\/v1/, 120_000);
        const postmaster = Number(
          readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
        );
        // PostgreSQL runs in a session of its own: a Ctrl-C in our terminal does not reach it.
        expect(sessionOf(postmaster)).not.toBe(sessionOf(app.pid));

        const headers = {
          authorization: `Bearer ${await token()}`,
          'content-type': 'application/json',
        };
        const created = await fetch(`${url}/v1/study-paths`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ track_id: 'meta-swe' }),
        });
        expect(created.status).toBe(201);
        let next: { task: { id: string; problem_id: string } } | undefined;
        for (let i = 0; i < 100 && !next; i++) {
          const response = await fetch(`${url}/v1/study-tasks/next`, { headers });
          if (response.status === 200) next = await json<typeof next>(response);
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
        taskId = next?.task.id ?? '';
        const problem = new BundledCatalog().all().find((p) => p.id === next?.task.problem_id);
        const submitted = await fetch(`${url}/v1/study-tasks/${taskId}/submit`, {
          method: 'POST',
          headers,
          // A correct solution that takes 3 s, so that the stop finds it running in the sandbox.
          body: JSON.stringify({
            language: 'python',
            code: `import time\ntime.sleep(3)\n${problem?.solutions.python ?? ''}`,
          }),
        });
        expect(submitted.status).toBe(202);
        submission = (await json<{ submission_id: string }>(submitted)).submission_id;
        let state = '';
        for (let i = 0; i < 200 && state !== 'running'; i++) {
          const response = await fetch(`${url}/v1/submissions/${submission}`, { headers });
          if (response.status === 200) state = (await json<{ status: string }>(response)).status;
          if (state !== 'running') await new Promise((resolve) => setTimeout(resolve, 25));
        }
        expect(state).toBe('running');
      } finally {
        const before = app.output().length;
        process.kill(signal === 'SIGINT' ? -app.pid : app.pid, signal);
        exit = await app.exited;
        const shutdown = app.output().slice(before);
        expect({ exit, problems: warningsAndErrors(shutdown) }).toEqual({
          exit: { code: 0, signal: null },
          problems: [],
        });
      }
      expect(warningsAndErrors(app.output())).toEqual([]);
      // Every session had ended when PostgreSQL stopped: none was cut.
      expect(readFileSync(postgresLog, 'utf8')).not.toMatch(
        /terminating connection due to administrator command/,
      );

      // Started again: the submission interrupted by the stop is evaluated, its task completed.
      const again = startEmbedded(dataDir, postgresPort);
      try {
        const [, url] = await again.waitFor(/API:\s+(http:\/\/\S+)\/v1/, 120_000);
        const headers = { authorization: `Bearer ${await token()}` };
        // Eventually, not within a set time: the interrupted run is evaluated again once the
        // restarted process has caught up (under load on two cores that took over 30 s once).
        let task: { status: string } | undefined;
        for (let i = 0; i < 600 && task?.status !== 'completed'; i++) {
          task = await json<{ status: string }>(
            await fetch(`${url}/v1/study-tasks/${taskId}`, { headers }),
          );
          if (task.status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const evaluation = await json<{ status: string }>(
          await fetch(`${url}/v1/submissions/${submission}`, { headers }),
        );
        expect({ task: task?.status, evaluation: evaluation.status }).toEqual({
          task: 'completed',
          evaluation: 'completed',
        });
      } finally {
        process.kill(again.pid, 'SIGTERM');
        expect(await again.exited).toEqual({ code: 0, signal: null });
      }
    },
    300_000,
  );
});
