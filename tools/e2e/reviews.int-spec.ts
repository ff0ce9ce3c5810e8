import { randomUUID } from 'node:crypto';
import {
  AnalyticsDatabase,
  AnalyticsServiceModule,
  ReviewDueJob,
} from '@studypath/analytics-service';
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
  type HttpAnswer,
  type HttpCall,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

type Card = {
  problem_id: string;
  state: string;
  due_at: string;
  last_rating: string;
  reviews: number;
  review_pending: boolean;
  scheduling_policy: string;
  retrievability: number;
};
type Task = {
  id: string;
  problem_id: string;
  source: string;
  status: string;
  metadata: { review?: { review_id: string; due_at: string; scheduling_policy: string } };
};

/*
 * The review queue end to end, over HTTP and the real Kafka: path, task-generation, evaluation and
 * analytics in one process on the Kafka bus. The clock is the test's: the due job runs when the
 * test says, as of the instant it names.
 */
describe('spaced repetition (path, task-generation, evaluation and analytics over the real Kafka)', () => {
  let e2e: TestProcess;
  const call: HttpCall = (...args) => e2e.call(...args);

  beforeAll(async () => {
    e2e = await startTestProcess(
      {
        name: 'e2e-reviews',
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
  ): Promise<HttpAnswer> => pollGet(call, user, path, done);

  const solve = async (user: string, task: { id: string; problem_id: string }) => {
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);
    const submitted = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'python',
      code: problem.solutions.python,
    });
    expect(submitted.status).toBe(202);
    await poll(user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'completed');
  };

  it('a solved task becomes a card; when due, one review task appears (however many job runs); solving it moves the card', async () => {
    const user = `user-${randomUUID()}`;
    const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    const pathId = created.body.id as string;

    const first = (await poll(user, '/v1/study-tasks/next', (a) => a.status === 200)).body
      .task as Task;
    await solve(user, first);

    // The card: solved at once, without a hint, in seconds: rated easy, due some days ahead.
    const listed = await poll(
      user,
      `/v1/reviews?path_id=${pathId}`,
      (a) => a.status === 200 && (a.body.items as Card[]).length === 1,
    );
    const [card] = listed.body.items as Card[];
    if (!card) throw new Error('one card');
    expect(card).toMatchObject({
      problem_id: first.problem_id,
      last_rating: 'easy',
      reviews: 1,
      review_pending: false,
      scheduling_policy: 'fsrs-deadline-1',
    });
    expect(Date.parse(card.due_at)).toBeGreaterThan(Date.now() + 86_400_000);
    expect(card.retrievability).toBeGreaterThan(0.9);
    const dueBefore = await call(
      'GET',
      `/v1/reviews?path_id=${pathId}&due_before=${encodeURIComponent(new Date().toISOString())}`,
      user,
    );
    expect(dueBefore.body.items).toEqual([]);
    const dashboard = await call('GET', '/v1/dashboard', user);
    expect(dashboard.body.reviews).toMatchObject({ cards: 1, due_today: 0, overdue: 0 });

    // Bad input and other users.
    expect((await call('GET', `/v1/reviews?path_id=${pathId}`, 'someone-else')).status).toBe(404);
    expect((await call('GET', '/v1/reviews', user)).status).toBe(400);
    expect(
      (await call('GET', `/v1/reviews?path_id=${pathId}&due_before=tomorrow`, user)).status,
    ).toBe(400);
    expect((await call('GET', `/v1/reviews?path_id=${pathId}&cursor=bm9wZQ`, user)).status).toBe(
      400,
    );

    // The clock moves to the due date: two job runs at once make one review task.
    const job = e2e.running.app.get(ReviewDueJob);
    const at = new Date(card.due_at);
    const runs = await Promise.all([job.runOnce(at), job.runOnce(at)]);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await job.runOnce(new Date(at.getTime() + 86_400_000))).toBe(0);
    const reviews = await poll(
      user,
      `/v1/study-tasks?path_id=${pathId}&source=review`,
      (a) => a.status === 200 && (a.body.items as Task[]).length > 0,
    );
    const reviewTasks = reviews.body.items as Task[];
    expect(reviewTasks).toHaveLength(1);
    const [review] = reviewTasks;
    if (!review) throw new Error('one review task');
    expect(review).toMatchObject({
      problem_id: first.problem_id,
      source: 'review',
      metadata: {
        review: { due_at: at.toISOString(), scheduling_policy: 'fsrs-deadline-1' },
      },
    });
    expect(
      ((await call('GET', `/v1/reviews?path_id=${pathId}`, user)).body.items as Card[])[0],
    ).toMatchObject({ review_pending: true });

    // Solving the review task rates the card again and schedules the next review.
    await solve(user, review);
    const moved = await poll(
      user,
      `/v1/reviews?path_id=${pathId}`,
      (a) => (a.body.items as Card[])[0]?.reviews === 2,
    );
    const after = (moved.body.items as Card[])[0];
    expect(after).toMatchObject({ review_pending: false, reviews: 2 });
    // Reviewed now, long before its due date: FSRS moves the next date from today.
    expect(Date.parse(after?.due_at ?? '')).toBeGreaterThan(Date.now());
    // Still one review task: the job's second run and the later one made none.
    const all = await call('GET', `/v1/study-tasks?path_id=${pathId}&source=review`, user);
    expect(all.body.items as Task[]).toHaveLength(1);
  }, 180_000);

  it("npm run policy: shows a path's versions, prints a what-if under others without writing, and moves the path (an event)", async () => {
    const user = `user-${randomUUID()}`;
    const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    expect(created.body.policies).toEqual({
      generation: 'generation-2',
      scheduling: 'fsrs-deadline-1',
    });
    const pathId = created.body.id as string;
    const first = (await poll(user, '/v1/study-tasks/next', (a) => a.status === 200)).body
      .task as Task;
    await solve(user, first);

    const cli = async (...args: string[]) => {
      const child = runTypeScript(
        'apps/studypath/src/policy.cli.ts',
        testProcessEnv({ DATABASE_URL: e2e.db.url }),
        args,
      );
      return { exit: await child.exited, output: child.output() };
    };
    const audit = async () =>
      (
        (await call('GET', `/v1/study-paths/${pathId}/events?limit=100`, user)).body
          .events as unknown[]
      ).length;
    const before = await audit();

    const whatIf = await cli(
      'what-if',
      '--path',
      pathId,
      '--generation',
      'v1',
      '--scheduling',
      'v1',
    );
    expect(whatIf.exit.code).toBe(0);
    expect(whatIf.output).toContain(`what-if for path ${pathId}`);
    expect(whatIf.output).toMatch(
      /task generation: generation-2 \(what the path got\) vs generation-1/,
    );
    expect(whatIf.output).toMatch(/review scheduling: fsrs-deadline-1 \(the path's\) vs fsrs-1/);
    expect(whatIf.output).toContain(first.problem_id);
    expect(whatIf.output).toMatch(/\d+ of \d+ decisions differ/);
    expect(await audit()).toBe(before); // nothing written

    expect((await cli('show', '--path', pathId)).output).toContain(
      'generation generation-2, scheduling fsrs-deadline-1',
    );
    const bad = await cli('move', '--path', pathId, '--generation', 'v9');
    expect(bad.exit.code).toBe(2);
    expect(bad.output).toContain('unknown generation version "v9"');

    const moved = await cli(
      'move',
      '--path',
      pathId,
      '--scheduling',
      'fsrs-1',
      '--reason',
      'trial',
    );
    expect(moved.exit.code).toBe(0);
    expect(moved.output).toContain('moved path');
    const path = await poll(user, `/v1/study-paths/${pathId}`, (a) => a.status === 200);
    expect(path.body.policies).toEqual({ generation: 'generation-2', scheduling: 'fsrs-1' });
    expect(await audit()).toBe(before + 1);
    expect((await cli('move', '--path', pathId, '--scheduling', 'fsrs-1')).output).toContain(
      'nothing to move',
    );
  }, 180_000);
});
