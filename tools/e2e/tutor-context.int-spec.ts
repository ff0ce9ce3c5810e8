import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AnalyticsDatabase, AnalyticsServiceModule } from '@studypath/analytics-service';
import { EvaluationDatabase, EvaluationServiceModule } from '@studypath/evaluation-service';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import { TutorGatewayDatabase, TutorGatewayServiceModule } from '@studypath/tutor-gateway-service';
import {
  FakeOpenAi,
  pollGet,
  startTestProcess,
  until,
  type HttpAnswer,
  type HttpCall,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

/**
 * The tutor's context from the other services' facts: a learner's failed submission reaches the
 * hint with its failing sample tests (from `evaluation.completed`) and the learner's mastery of
 * the problem's topics (from `analytics.mastery_updated`), in the LLM's prompt and in the
 * built-in hint; hidden tests only as counts and categories.
 */
describe("the tutor's context: failing sample tests and mastery, from the evaluation and analytics services", () => {
  let e2e: TestProcess;
  let llm: FakeOpenAi;
  let db: Client;
  const call: HttpCall = (...args) => e2e.call(...args);

  beforeAll(async () => {
    llm = await FakeOpenAi.start({ reply: ['Compare your result ', 'with the expected one.'] });
    process.env.TUTOR_LLM_URL = llm.baseUrl;
    process.env.TUTOR_LLM_MODEL = 'fake-tutor';
    e2e = await startTestProcess(
      {
        name: 'e2e-tutor-context',
        role: 'embedded',
        modules: [
          PathServiceModule,
          TaskGenerationServiceModule,
          EvaluationServiceModule,
          AnalyticsServiceModule,
          TutorGatewayServiceModule,
        ],
      },
      {
        databases: [
          PathDatabase,
          TaskGenerationDatabase,
          EvaluationDatabase,
          AnalyticsDatabase,
          TutorGatewayDatabase,
        ],
      },
    );
    db = new Client({ connectionString: e2e.db.url });
    await db.connect();
  });

  afterAll(async () => {
    delete process.env.TUTOR_LLM_URL;
    delete process.env.TUTOR_LLM_MODEL;
    await db?.end();
    await e2e?.stop();
    await llm?.stop();
  });

  const poll = (user: string, path: string, done: (answer: HttpAnswer) => boolean) =>
    pollGet(call, user, path, done);

  /** Rows of a tutor-gateway read model once `query` finds some. */
  const rowsOf = (what: string, query: string, params: unknown[]) =>
    until(
      async () => {
        const { rows } = await db.query<Record<string, unknown>>(query, params);
        return rows.length > 0 && rows;
      },
      what,
      { timeoutMs: 60_000, intervalMs: 100 },
    );

  it('a failed submission: its failing sample test and the mastery of the topics reach the LLM; hidden tests only as counts', async () => {
    const user = `user-${randomUUID()}`;
    const created = await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    expect(created.status).toBe(201);
    const pathId = created.body.id as string;
    const task = (await poll(user, '/v1/study-tasks/next', (a) => a.status === 200)).body.task as {
      id: string;
      problem_id: string;
    };
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);
    const [sample] = problem.sample_tests;
    if (!sample) throw new Error(`${problem.id} has no sample test`);

    // A wrong answer on every test.
    const name = problem.signature.python.name;
    const submitted = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'python',
      code: `def ${name}(*args):\n    return "wrong-7c1d"\n`,
    });
    expect(submitted.status).toBe(202);
    const submissionId = submitted.body.submission_id as string;
    await poll(user, `/v1/study-tasks/${task.id}`, (a) => a.body.status === 'in_progress');

    // The tutor-gateway has read the evaluation's report and the learner's mastery.
    const [report] = await rowsOf(
      'the failing tests of the submission in the tutor-gateway',
      'SELECT failing_tests FROM tutor_gateway.submission_reports WHERE submission_id = $1',
      [submissionId],
    );
    const failing = report?.failing_tests as { hidden: boolean; input: string | null }[];
    expect(failing.filter((t) => !t.hidden)).toHaveLength(problem.sample_tests.length);
    expect(failing.filter((t) => t.hidden).every((t) => t.input === null)).toBe(true);
    const mastery = await rowsOf(
      "the learner's mastery in the tutor-gateway",
      'SELECT topic, mastery FROM tutor_gateway.topic_mastery WHERE path_id = $1',
      [pathId],
    );
    expect(mastery.map((row) => row.topic).sort()).toEqual([...problem.topics].sort());
    // The task stream's evaluation too (the submission joins its report through it).
    await rowsOf(
      'the evaluated submission in the task context',
      `SELECT 1 FROM tutor_gateway.task_contexts
        WHERE task_id = $1 AND jsonb_array_length(submissions) = 1`,
      [task.id],
    );

    const asked = await call('POST', `/v1/study-tasks/${task.id}/hint`, user);
    expect(asked.status).toBe(202);
    const hint = await poll(
      user,
      `/v1/hints/${asked.body.hint_id as string}`,
      (a) => a.status === 200 && a.body.status === 'delivered',
    );
    expect(hint.body).toMatchObject({ source: 'llm', level: 1 });

    const messages = (llm.requests.at(-1)?.body?.messages ?? []) as { content: string }[];
    const prompt = messages.map((m) => m.content).join('\n');
    // The failing sample test with its expected value and what the code returned.
    expect(prompt).toContain('Sample test 1: input (');
    expect(prompt).toContain(`expected ${JSON.stringify(sample.expected)}`);
    expect(prompt).toContain('wrong-7c1d');
    // Hidden tests as a count and a category, never their values.
    const hiddenCount = problem.hidden_tests.length;
    expect(prompt).toContain(
      `Hidden tests failing: ${hiddenCount} (wrong answer: ${hiddenCount}).`,
    );
    for (const hidden of problem.hidden_tests) {
      const value = JSON.stringify(hidden.expected);
      if (value.length >= 8) expect(prompt).not.toContain(value);
    }
    // The mastery of each of the problem's topics, as a number.
    for (const row of mastery) {
      expect(prompt).toContain(`- ${row.topic as string}: ${Number(row.mastery).toFixed(2)}`);
    }
  }, 180_000);
});
