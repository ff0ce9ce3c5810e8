import { createServiceDataSource, migrateServiceSchema } from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '@studypath/testing';
import type { DataSource } from 'typeorm';
import { PathDatabase } from './path.database';

const silent = { log: (): void => undefined };

describe("the path service's schema (real PostgreSQL)", () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase([]);
    dataSource = createServiceDataSource({
      ...PathDatabase,
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
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'path' AND table_name <> 'migrations' ORDER BY 1`,
    )) as { table_name: string }[];
    return rows.map((r) => r.table_name);
  }

  it('migrates up, down to nothing, and up again', async () => {
    const all = [
      'checkpoints',
      'hint_requests',
      'inbox',
      'streams',
      'study_paths',
      'study_tasks',
      'task_events',
    ];
    await migrateServiceSchema(dataSource, silent);
    expect(await tables()).toEqual(all);

    for (let i = 0; i < PathDatabase.migrations.length; i++)
      await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables()).toEqual([]);

    const report = await migrateServiceSchema(dataSource, silent);
    expect(report.applied).toHaveLength(PathDatabase.migrations.length);
    expect(await tables()).toEqual(all);
  });

  it.each([
    [
      'GET /study-paths/active',
      `SELECT * FROM path.study_paths WHERE user_id = 'u' AND track_id = 'meta-swe' AND status <> 'archived'`,
      'study_paths_one_open_per_track',
    ],
    [
      'GET /study-tasks/next',
      `SELECT * FROM path.study_tasks WHERE path_id = '6f1c2f4e-8d61-4b2a-9f5e-2b8d7c3a1e01' AND user_id = 'u'
         AND status IN ('pending', 'in_progress', 'submitted')
       ORDER BY CASE WHEN status = 'pending' THEN 1 ELSE 0 END, order_index LIMIT 1`,
      'study_tasks_next',
    ],
    [
      'GET /study-tasks',
      `SELECT * FROM path.study_tasks WHERE user_id = 'u' AND status = 'pending'
       ORDER BY created_at DESC, task_id DESC LIMIT 21`,
      'study_tasks_by_user',
    ],
    [
      'the expiry job',
      `SELECT * FROM path.study_tasks WHERE status = 'pending' AND created_at < now() - interval '1 day' ORDER BY created_at LIMIT 200`,
      'study_tasks_pending_since',
    ],
    [
      'GET /study-paths/{id}/events',
      `SELECT * FROM path.task_events WHERE (data ->> 'path_id') = 'p' AND global_position > 0 ORDER BY global_position LIMIT 100`,
      'task_events_by_path',
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
});
