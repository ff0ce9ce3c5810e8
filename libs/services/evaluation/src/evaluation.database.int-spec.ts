import { createServiceDataSource, migrateServiceSchema } from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { EvaluationDatabase } from './evaluation.database';
import { RecordFailureCauses1764400000005 } from './migrations/1764400000005-record-failure-causes';

const silent = { log: (): void => undefined };

describe("the evaluation service's schema (real PostgreSQL)", () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase([]);
    dataSource = createServiceDataSource({
      ...EvaluationDatabase,
      url: db.url,
      poolMax: 2,
      applicationName: 'migrations-test',
    });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  async function tables(): Promise<string[]> {
    const rows = (await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'evaluation' AND table_name <> 'migrations' ORDER BY 1`,
    )) as { table_name: string }[];
    return rows.map((r) => r.table_name);
  }

  it('migrates up, down to nothing, and up again', async () => {
    await migrateServiceSchema(dataSource, silent);
    const all = await tables();
    expect(all).toContain('task_evaluations');

    for (let i = 0; i < EvaluationDatabase.migrations.length; i++)
      await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);

    const report = await migrateServiceSchema(dataSource, silent);
    expect(report.applied).toHaveLength(EvaluationDatabase.migrations.length);
    expect(await tables()).toEqual(all);
  });

  // Before any test writes rows: an index built after a migration updated rows can stay invisible
  // to transactions older than itself (pg_index.indcheckxmin), and a busy server always has some.
  it.each([
    [
      "the cap on a code's free sandbox failures",
      `SELECT count(*) FROM evaluation.task_evaluations
        WHERE code_hash = 'h' AND language = 'python' AND state = 'failed'
          AND finished_at >= now() - interval '24 hours'
          AND failure_cause = ANY(ARRAY['sandbox_failed', 'worker_stopped'])`,
      'task_evaluations_failures_by_code',
    ],
    [
      "the sweeper's look for stuck submissions",
      `SELECT submission_id FROM evaluation.task_evaluations
        WHERE state IN ('queued', 'running') AND queued_at < now() - interval '3 minutes'
        ORDER BY queued_at LIMIT 20`,
      'task_evaluations_unfinished',
    ],
  ])('serves %s from its index', async (_query, sql, index) => {
    await migrateServiceSchema(dataSource, silent);
    // With no rows a sequential scan is always cheapest; forbid it to see which index the planner can use.
    const plan = await dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL enable_seqscan = off');
      const rows = (await manager.query(`EXPLAIN ${sql}`)) as { 'QUERY PLAN': string }[];
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain(index);
  });

  it('gives the failures recorded before their cause was a cause, from their message', async () => {
    await migrateServiceSchema(dataSource, silent);
    // Back to just before the migration that recorded causes.
    const later =
      EvaluationDatabase.migrations.length -
      EvaluationDatabase.migrations.indexOf(RecordFailureCauses1764400000005);
    for (let i = 0; i < later; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    const insert = (state: string, message: string | null) =>
      dataSource.query(
        `INSERT INTO evaluation.task_evaluations
           (submission_id, task_id, path_id, user_id, problem_id, language, code, code_hash, attempt, state, message, queued_at)
         VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'u', 'p', 'python', 'x', 'h', 1, $1, $2, now())`,
        [state, message],
      );
    await insert('failed', 'the problem bank does not know problem p');
    await insert('failed', 'the evaluation stopped its worker 3 times');
    await insert('failed', 'the sandbox failed to run the code');
    await insert('completed', null);

    await migrateServiceSchema(dataSource, silent);

    const rows = (await dataSource.query(
      `SELECT state, failure_cause FROM evaluation.task_evaluations ORDER BY failure_cause NULLS FIRST`,
    )) as { state: string; failure_cause: string | null }[];
    expect(rows).toEqual([
      { state: 'completed', failure_cause: null },
      { state: 'failed', failure_cause: 'problem_unknown' },
      { state: 'failed', failure_cause: 'sandbox_failed' },
      { state: 'failed', failure_cause: 'worker_stopped' },
    ]);
    await dataSource.query('DELETE FROM evaluation.task_evaluations');
  });
});
