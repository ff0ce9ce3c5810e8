import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EvaluationDatabase, EvaluationServiceModule } from '@studypath/evaluation-service';
import { PathDatabase, PathServiceModule } from '@studypath/path-service';
import { BundledCatalog } from '@studypath/problem-bank';
import {
  TaskGenerationDatabase,
  TaskGenerationServiceModule,
} from '@studypath/task-generation-service';
import {
  pollGet,
  startTestProcess,
  type HttpAnswer,
  type HttpCall,
  type PollOptions,
  type TestProcess,
} from '@studypath/testing';

const catalog = new BundledCatalog();

describe('submit → evaluate → task status (path, task-generation and evaluation over the real Kafka, real sandbox)', () => {
  let e2e: TestProcess;
  const call: HttpCall = (...args) => e2e.call(...args);

  beforeAll(async () => {
    e2e = await startTestProcess(
      {
        name: 'e2e',
        role: 'embedded',
        modules: [PathServiceModule, TaskGenerationServiceModule, EvaluationServiceModule],
      },
      { databases: [PathDatabase, TaskGenerationDatabase, EvaluationDatabase] },
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

  async function nextTask(user: string): Promise<{ id: string; problem_id: string }> {
    const next = await poll(user, '/v1/study-tasks/next', (answer) => answer.status === 200);
    return next.body.task as { id: string; problem_id: string };
  }

  async function result(user: string, submissionId: string): Promise<Record<string, unknown>> {
    const done = (answer: HttpAnswer): boolean =>
      answer.status === 200 &&
      (answer.body.status === 'completed' || answer.body.status === 'failed');
    // The request itself waits up to 5 s for the result: no pause between requests.
    const got = await poll(user, `/v1/submissions/${submissionId}?wait=5000`, done, {
      timeoutMs: 60_000,
      intervalMs: 0,
    });
    return got.body;
  }

  async function waitForTask(
    user: string,
    id: string,
    status: string,
  ): Promise<Record<string, unknown>> {
    const got = await poll(
      user,
      `/v1/study-tasks/${id}`,
      (answer) => answer.body.status === status,
    );
    return got.body;
  }

  it('completes a task with a correct solution (score 1.0) and keeps it open, listing failing tests, after a wrong one', async () => {
    const user = `user-${randomUUID()}`;
    expect((await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' })).status).toBe(
      201,
    );

    const task = await nextTask(user);
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);

    const wrongName = problem.signature.python.name;
    const wrong = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'python',
      code: `def ${wrongName}(*args):\n    return None\n`,
    });
    expect(wrong.status).toBe(202);
    const failed = await result(user, wrong.body.submission_id as string);
    expect(failed).toMatchObject({
      status: 'completed',
      evaluation: { status: 'failed', score: 0 },
    });
    type Failing = {
      index: number;
      hidden: boolean;
      input: string | null;
      expected: string | null;
    };
    const evaluation = failed.evaluation as { failing_tests: Failing[]; total_tests: number };
    expect(evaluation.total_tests).toBe(problem.sample_tests.length + problem.hidden_tests.length);
    expect(evaluation.failing_tests.length).toBe(evaluation.total_tests);
    // Sample tests first, with what a learner debugs with; hidden tests by index and category.
    for (const test of evaluation.failing_tests) {
      const sample = problem.sample_tests[test.index];
      if (test.index < problem.sample_tests.length) {
        expect(test).toMatchObject({
          hidden: false,
          input: JSON.stringify(sample.args),
          expected: JSON.stringify(sample.expected),
          message: 'wrong answer',
        });
      } else {
        expect(test).toMatchObject({
          hidden: true,
          input: null,
          expected: null,
          actual: null,
          time_ms: null,
          message: 'wrong answer',
        });
      }
    }
    // No hidden test's input or expected value, anywhere in the answer.
    const text = JSON.stringify(failed);
    for (const hidden of problem.hidden_tests) {
      for (const value of [JSON.stringify(hidden.args), JSON.stringify(hidden.expected)]) {
        if (value.length >= 8) expect(text).not.toContain(value);
      }
    }
    await waitForTask(user, task.id, 'in_progress');

    const right = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'javascript',
      code: problem.solutions.javascript,
    });
    expect(right.status).toBe(202);
    const passed = await result(user, right.body.submission_id as string);
    expect(passed).toMatchObject({
      status: 'completed',
      evaluation: { status: 'passed', score: 1, failing_tests: [] },
    });
    const done = await waitForTask(user, task.id, 'completed');
    expect(done).toMatchObject({ attempts: 2, last_evaluation: { status: 'passed', score: 1 } });
  }, 120_000);

  it('a submission that leaks and forges gets nothing of a hidden test out, and its attempt counts', async () => {
    const user = `user-${randomUUID()}`;
    await call('POST', '/v1/study-paths', user, { track_id: 'meta-swe' });
    const task = await nextTask(user);
    const problem = catalog.all().find((p) => p.id === task.problem_id);
    if (!problem) throw new Error(`unknown problem ${task.problem_id}`);
    const name = problem.signature.python.name;
    // Prints its arguments, forges a harness failure carrying them, then raises with them.
    const code = [
      'import json, os',
      `def ${name}(*args):`,
      '    text = json.dumps(args)',
      '    print(text)',
      '    os.write(3, (json.dumps({"t": "fatal", "kind": "harness", "message": text}) + "\\n").encode())',
      '    raise ValueError(text)',
      '',
    ].join('\n');
    const submitted = await call('POST', `/v1/study-tasks/${task.id}/submit`, user, {
      language: 'python',
      code,
    });
    expect(submitted.status).toBe(202);
    const answer = await result(user, submitted.body.submission_id as string);
    // Never the free infrastructure_error: writing on the result channel is the submission's error.
    expect(answer).toMatchObject({ status: 'completed', evaluation: { status: 'error' } });
    const after = await waitForTask(user, task.id, 'in_progress');
    expect(after).toMatchObject({ attempts: 1 });

    // Nothing of a hidden test in the API's answers nor anywhere in the database (events included).
    const visible = new Set(
      [...problem.sample_tests, ...problem.examples].flatMap((t) => [
        JSON.stringify(t.args),
        JSON.stringify(t.expected),
      ]),
    );
    const secrets = problem.hidden_tests
      .flatMap((t) => [JSON.stringify(t.args), JSON.stringify(t.expected)])
      .filter((text) => text.length >= 8 && !visible.has(text));
    expect(secrets.length).toBeGreaterThan(0);
    const client = new Client({ connectionString: e2e.db.url });
    await client.connect();
    try {
      const tables = await client.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      const dump: string[] = [JSON.stringify(answer), JSON.stringify(after)];
      for (const { schema, name: table } of tables.rows) {
        const rows = await client.query<{ row: string }>(
          `SELECT t::text AS row FROM "${schema}"."${table}" t`,
        );
        dump.push(...rows.rows.map((r) => r.row));
      }
      const everything = dump.join('\n');
      for (const secret of secrets) expect(everything).not.toContain(secret);
    } finally {
      await client.end();
    }
  }, 120_000);
});
