import { randomUUID } from 'node:crypto';
import { AnalyticsDatabase, AnalyticsServiceModule } from '@studypath/analytics-service';
import { EvaluationDatabase, EvaluationServiceModule } from '@studypath/evaluation-service';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import {
  pollGet,
  runTypeScript,
  startTestProcess,
  testProcessEnv,
  testToken,
  type HttpAnswer,
  type HttpCall,
  type PollOptions,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

type Progress = {
  today: string;
  modules: Record<
    string,
    { completed: number; skipped: number; attempts: number; hints_used: number }
  >;
  tasks_completed: number;
  tasks_created: number;
  overall_accuracy: number;
  completion_rate: number;
  engagement_rate: number;
  hint_independence: number;
  streaks: { current: number; longest: number };
  topics: Record<string, { attempts: number; mastery: number | null }>;
};

describe('progress, timeline and dashboard (path, task-generation, evaluation and analytics over the real Kafka)', () => {
  let e2e: TestProcess;
  const call: HttpCall = (...args) => e2e.call(...args);

  beforeAll(async () => {
    e2e = await startTestProcess(
      {
        name: 'e2e',
        role: 'embedded',
        modules: [
          PathServiceModule,
          TaskGenerationServiceModule,
          EvaluationServiceModule,
          AnalyticsServiceModule,
        ],
      },
      { databases: [PathDatabase, TaskGenerationDatabase, EvaluationDatabase, AnalyticsDatabase] },
    );
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  const poll = (
    user: string,
    path: string,
    done: (answer: HttpAnswer) => boolean,
    options: PollOptions = {},
  ): Promise<HttpAnswer> => pollGet(call, user, path, done, options);

  async function nextTask(
    user: string,
    not: string[],
  ): Promise<{ id: string; problem_id: string }> {
    const next = await poll(
      user,
      '/v1/study-tasks/next',
      (answer) => answer.status === 200 && !not.includes((answer.body.task as { id: string }).id),
    );
    return next.body.task as { id: string; problem_id: string };
  }

  async function solve(user: string, task: { id: string; problem_id: string }): Promise<void> {
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);
    const right = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'javascript',
      code: problem.solutions.javascript,
    });
    expect(right.status).toBe(202);
    await poll(user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'completed');
  }

  it('a learner solves two tasks (one after a wrong attempt and a hint request) and skips one: the progress, timeline and dashboard show exactly that', async () => {
    const user = `user-${randomUUID()}`;
    const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    const pathId = created.body.id as string;

    const first = await nextTask(user, []);
    const problem = catalog.all().find((p) => p.id === first.problem_id);
    if (!problem) throw new Error(`unknown problem ${first.problem_id}`);
    const wrong = await call('POST', `/v1/study-tasks/${first.id}/submit`, user, {
      language: 'python',
      code: `def ${problem.signature.python.name}(*args):\n    return None\n`,
    });
    expect(wrong.status).toBe(202);
    await poll(
      user,
      `/v1/study-tasks/${first.id}`,
      (a) => a.body.status === 'in_progress' && a.body.attempts === 1,
    );
    expect((await call('POST', `/v1/study-tasks/${first.id}/hint`, user)).status).toBe(202);
    await solve(user, first);

    const second = await nextTask(user, [first.id]);
    await solve(user, second);

    const third = await nextTask(user, [first.id, second.id]);
    const skipped = await call('PATCH', `/v1/study-tasks/${third.id}/status`, user, {
      status: 'skipped',
    });
    expect(skipped.status).toBe(200);

    const sum = (p: Progress, key: 'completed' | 'skipped' | 'attempts' | 'hints_used') =>
      Object.values(p.modules).reduce((total, m) => total + m[key], 0);
    const answer = await poll(user, `/v1/study-paths/${pathId}/progress`, (a) => {
      const p = a.body as unknown as Progress;
      return a.status === 200 && p.tasks_completed === 2 && sum(p, 'skipped') === 1;
    });
    const progress = answer.body as unknown as Progress;
    expect(sum(progress, 'attempts')).toBe(3);
    expect(progress.overall_accuracy).toBeCloseTo(2 / 3);
    expect(progress.completion_rate).toBeCloseTo(2 / progress.tasks_created);
    expect(progress.engagement_rate).toBeCloseTo(2 / progress.tasks_created);
    // A hint counts once the tutor delivers it (task.hint_delivered); the tutor gateway delivers
    // none yet, so the request leaves both tasks solved without a hint.
    expect(sum(progress, 'hints_used')).toBe(0);
    expect(progress.hint_independence).toBe(1);
    expect(progress.streaks).toMatchObject({ current: 1, longest: 1 });
    expect(Object.values(progress.topics).some((t) => t.attempts > 0 && t.mastery !== null)).toBe(
      true,
    );

    const timeline = await call(
      'GET',
      `/v1/study-paths/${pathId}/progress/timeline?bucket=day&from=${progress.today}&to=${progress.today}`,
      user,
    );
    expect(timeline.status).toBe(200);
    expect(timeline.body).toMatchObject({
      bucket: 'day',
      buckets: [{ start: progress.today, completed: 2, attempts: 3 }],
    });
    expect((timeline.body.buckets as { accuracy: number }[])[0]?.accuracy).toBeCloseTo(2 / 3);

    // The next task is the one task generation tops the path up with after the skip.
    const dashboard = await poll(
      user,
      '/v1/dashboard',
      (a) => a.status === 200 && a.body.next_task !== null,
    );
    expect(dashboard.body).toMatchObject({
      streak: { current: 1, longest: 1 },
      tasks_completed_this_week: 2,
      paths: [{ path_id: pathId, tasks_completed: 2 }],
    });
    const next = dashboard.body.next_task as { path_id: string; task_id: string };
    expect(next.path_id).toBe(pathId);
    expect([first.id, second.id, third.id]).not.toContain(next.task_id);
    expect(next.task_id).toBe(
      ((await call('GET', '/v1/study-tasks/next', user)).body.task as { id: string }).id,
    );

    // Owner only, bad input named, and an unchanged answer is a 304.
    expect((await call('GET', `/v1/study-paths/${pathId}/progress`, 'someone-else')).status).toBe(
      404,
    );
    expect(
      (await call('GET', `/v1/study-paths/${pathId}/progress/timeline?bucket=month`, user)).status,
    ).toBe(400);

    // Peer comparison: a learner alone on the track gets no percentile, and says why.
    const peers = await call('GET', `/v1/study-paths/${pathId}/percentiles`, user);
    expect(peers.status).toBe(200);
    const standings = Object.values(
      peers.body.modules as Record<
        string,
        { accuracy: { percentile: number | null; reason: string } }
      >,
    );
    expect(standings.map((m) => m.accuracy.percentile)).toEqual(standings.map(() => null));
    expect(standings.map((m) => m.accuracy.reason)).toContain('cohort smaller than 20');
    expect(
      (await call('GET', `/v1/study-paths/${pathId}/percentiles`, 'someone-else')).status,
    ).toBe(404);
    const openapi = (await (await fetch(`${e2e.running.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(openapi.paths).toHaveProperty(['/v1/study-paths/{id}/percentiles']);
    expect(openapi.components.schemas).toHaveProperty('ModulePercentilesResponse');

    const url = `${e2e.running.url}/v1/study-paths/${pathId}/progress`;
    const headers = { authorization: `Bearer ${testToken(user)}` };
    const tagged = await fetch(url, { headers });
    const etag = tagged.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(url, { headers: { ...headers, 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  }, 180_000);

  it("npm run projections:rebuild -- analytics rebuilds the read models above, from Kafka and from the path service's store, to exactly what the live projection built", async () => {
    const rows = async () =>
      (await (
        await e2e.db.dataSource(AnalyticsDatabase)
      ).query(
        `SELECT path_id, user_id, status, state, board, positions, version
           FROM analytics.path_progress ORDER BY path_id`,
      )) as unknown[];
    const live = await rows();
    expect(live.length).toBeGreaterThan(0); // the learner's path of the test above

    const rebuild = async (env: NodeJS.ProcessEnv): Promise<string> => {
      const cli = runTypeScript(
        'apps/studypath/src/projections.cli.ts',
        testProcessEnv({ DATABASE_URL: e2e.db.url, KAFKA_NAMESPACE: e2e.namespace, ...env }),
        ['rebuild', 'analytics'],
      );
      const exit = await cli.exited;
      expect({ exit, output: cli.output() }).toMatchObject({ exit: { code: 0 } });
      return cli.output();
    };

    const fromKafka = await rebuild({});
    expect(fromKafka).toMatch(/reading the history from Kafka topic \S+studypath\.task-events\.v1/);
    expect(fromKafka).toMatch(
      /rebuilt analytics\.path_progress: \d+ paths from \d+ events .* swapped in/,
    );
    expect(await rows()).toEqual(live);

    const fromStore = await rebuild({ KAFKA_BROKERS: '' });
    expect(fromStore).toMatch(/reading the history from the path service's event store/);
    expect(await rows()).toEqual(live);

    // The service reads the swapped-in table.
    const [path] = live as { path_id: string; user_id: string }[];
    const progress = await call('GET', `/v1/study-paths/${path?.path_id}/progress`, path?.user_id);
    expect(progress.status).toBe(200);
  }, 120_000);
});
