import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { BundledCatalog } from '@studypath/problem-bank';
import { createCodeRunner, type RunRequest } from '@studypath/sandbox';
import { httpCaller, runTypeScript, until } from '@studypath/testing';
import { log, runBench } from './bench-support';

/**
 * `npm run bench:evaluation`: submit-to-evaluated, end to end. The path, task-generation and
 * evaluation services run as one process on the real PostgreSQL, Redis and Kafka with the real
 * sandbox; each sample creates a user and a path, submits the reference solution of its first task
 * over HTTP, and times until GET /v1/study-tasks/{id} says completed (task.submitted → Kafka →
 * sandbox → evaluation.completed → Kafka → task.evaluated). BENCH_SUBMISSIONS (40) samples, run
 * BENCH_PARALLEL (1, then 4) at a time.
 *
 * First, the sandbox's own overhead: BENCH_SANDBOX_RUNS (30) runs of a trivial solution (one
 * sample and one hidden test: the whole protocol, bubblewrap, seccomp, GNU time) against a bare
 * start of the same interpreter, p50 against p50.
 */
const SUBMISSIONS = Number(process.env.BENCH_SUBMISSIONS ?? 40);
const SANDBOX_RUNS = Number(process.env.BENCH_SANDBOX_RUNS ?? 30);
const execFileAsync = promisify(execFile);
const catalog = new BundledCatalog();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function timed(times: number, run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return percentile(
    samples.sort((a, b) => a - b),
    50,
  );
}

async function sandboxOverhead(): Promise<void> {
  const runner = await createCodeRunner({ requireIsolation: true, maxConcurrent: 1 });
  const interpreters = runner.interpreters();
  log(`sandbox overhead: ${runner.describeIsolation().mechanism}`);
  const trivial: Record<RunRequest['language'], { code: string; bare: string[] }> = {
    python: { code: 'def solve(x):\n    return x\n', bare: ['-I', '-S', '-B', '-c', 'pass'] },
    javascript: { code: 'function solve(x) {\n  return x;\n}\n', bare: ['-e', '0'] },
  };
  for (const language of ['python', 'javascript'] as const) {
    const executable = interpreters[language].executable;
    const request: RunRequest = {
      language,
      code: trivial[language].code,
      signature: {
        params: [{ name: 'x', type: 'int' }],
        returns: 'int',
        python: { name: 'solve', stub: '' },
        javascript: { name: 'solve', stub: '' },
      },
      comparator: { kind: 'exact' },
      tests: [
        { args: [1], expected: 1, hidden: false },
        { args: [2], expected: 2, hidden: true },
      ],
    };
    const bare = await timed(SANDBOX_RUNS, () => execFileAsync(executable, trivial[language].bare));
    const sandboxed = await timed(SANDBOX_RUNS, async () => {
      const result = await runner.run(request);
      if (result.status !== 'passed') throw new Error(`trivial ${language}: ${result.status}`);
    });
    log(
      `sandbox overhead, ${language}: a trivial run p50 ${sandboxed.toFixed(1)} ms against a bare interpreter start p50 ${bare.toFixed(1)} ms (${(sandboxed / bare).toFixed(2)}×, ${SANDBOX_RUNS} runs each)`,
    );
  }
}

runBench(async ({ createDatabase, serverEnv }) => {
  await sandboxOverhead();
  const url = await createDatabase('eval');
  const server = runTypeScript('apps/studypath/src/main.ts', serverEnv(url));
  try {
    const [, base] = await server.waitFor(/API:\s+(http:\/\/\S+)\/v1/, 120_000);
    const call = httpCaller(base as string);
    const polling = { timeoutMs: 60_000, intervalMs: 5 };

    /** One sample: a new user's first task, solved; returns ms from submit to completed. */
    const sample = async (i: number): Promise<number> => {
      const user = `bench-${randomUUID()}`;
      await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
      const task = await until(
        async () => {
          const next = await call('GET', '/v1/study-tasks/next', user);
          return next.status === 200
            ? (next.body.task as { id: string; problem_id: string })
            : undefined;
        },
        'the first task',
        polling,
      );
      const problem = catalog.all().find((p) => p.id === task.problem_id);
      if (!problem) throw new Error(`unknown problem ${task.problem_id}`);
      const language = i % 2 === 0 ? 'python' : 'javascript';
      const started = performance.now();
      const submitted = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
        language,
        code: problem.solutions[language],
      });
      if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}`);
      await until(
        async () => {
          const got = await call('GET', `/v1/study-tasks/${task.id}`, user);
          if (got.body.status === 'failed' || got.body.status === 'in_progress') {
            throw new Error(
              `the reference solution of ${problem.id} did not pass: ${JSON.stringify(got.body.last_evaluation)}`,
            );
          }
          return got.body.status === 'completed';
        },
        'the task to complete',
        polling,
      );
      return performance.now() - started;
    };

    log('warming up (3 samples)');
    for (let i = 0; i < 3; i++) await sample(i);
    for (const parallel of [1, 4]) {
      log(`measuring ${SUBMISSIONS} submissions, ${parallel} at a time`);
      const times: number[] = [];
      let next = 0;
      const wall = performance.now();
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          for (let i = next++; i < SUBMISSIONS; i = next++) {
            times.push(await sample(i));
            if (times.length % 10 === 0) log(`  ${times.length}/${SUBMISSIONS}`);
          }
        }),
      );
      const seconds = (performance.now() - wall) / 1000;
      times.sort((a, b) => a - b);
      log(
        `submit → task completed, ${parallel} at a time: p50 ${Math.round(percentile(times, 50))} ms, p90 ${Math.round(percentile(times, 90))} ms, p99 ${Math.round(percentile(times, 99))} ms, max ${Math.round(times.at(-1) ?? NaN)} ms (${(SUBMISSIONS / seconds).toFixed(1)} submissions/s)`,
      );
    }
  } finally {
    await server.stop('SIGTERM');
  }
});
