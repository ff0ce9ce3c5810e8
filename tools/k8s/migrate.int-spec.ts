import { createServer } from 'node:net';
import { AnalyticsDatabase } from '@studypath/analytics-service';
import { EvaluationDatabase } from '@studypath/evaluation-service';
import { MessagingDatabase } from '@studypath/messaging';
import { PathDatabase } from '@studypath/path-service';
import type { ServiceDatabaseOptions } from '@studypath/platform';
import { TaskGenerationDatabase } from '@studypath/task-generation-service';
import {
  createTestDatabase,
  runTypeScript,
  testProcessEnv,
  type TestDatabase,
} from '@studypath/testing';
import { TutorGatewayDatabase } from '@studypath/tutor-gateway-service';
import { Client } from 'pg';

/*
 * `npm run migrate` (apps/studypath/src/migrate.cli.ts; the migration Job of deploy/k8s runs it)
 * as a real process on a fresh, empty database: it must build what the processes build when they
 * migrate at start, find nothing to do the second time, and fail loudly (exit 1, saying where)
 * when PostgreSQL is away or a migration fails. Here rather than beside the CLI: tools/ may use
 * the test harness, apps/ may not.
 */

const CLI = 'apps/studypath/src/migrate.cli.ts';
const SERVICES = [
  PathDatabase,
  TaskGenerationDatabase,
  EvaluationDatabase,
  TutorGatewayDatabase,
  AnalyticsDatabase,
];
const ALL = [...SERVICES, MessagingDatabase];
const schemasOf = (databases: ServiceDatabaseOptions[]): string[] =>
  databases.map((d) => d.schema).sort();

async function migrate(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): Promise<{ code: number | null; output: string }> {
  const cli = runTypeScript(CLI, testProcessEnv(env), args);
  const exit = await cli.exited;
  return { code: exit.code, output: cli.output() };
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every table of the database's own schemas, as `schema.table`. */
async function tables(url: string): Promise<string[]> {
  const rows = await query<{ name: string }>(
    url,
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

async function schemasWithTables(url: string): Promise<string[]> {
  return [...new Set((await tables(url)).map((name) => name.split('.')[0] ?? ''))].sort();
}

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

describe('npm run migrate (apps/studypath/src/migrate.cli.ts)', () => {
  const databases: TestDatabase[] = [];
  const fresh = async (): Promise<TestDatabase> => {
    const db = await createTestDatabase([]);
    databases.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });

  it('builds every schema the processes migrate at start; a second run finds nothing to do and exits 0', async () => {
    const [db, reference] = await Promise.all([fresh(), createTestDatabase(ALL)]);
    databases.push(reference);
    expect(await tables(db.url)).toEqual([]);

    // Without Kafka, as the embedded process: the five services and the bus's dead letters.
    const first = await migrate({ DATABASE_URL: db.url, KAFKA_BROKERS: '' });
    expect(first).toMatchObject({ code: 0 });
    for (const { schema, migrations } of ALL) {
      expect(first.output).toMatch(
        new RegExp(`^${schema}: ${migrations.length} migration\\(s\\) applied`, 'm'),
      );
    }
    const total = ALL.reduce((sum, d) => sum + d.migrations.length, 0);
    expect(first.output).toMatch(
      new RegExp(`^done in [\\d.]+ s: 6 schema\\(s\\) up to date, ${total} migration\\(s\\)`, 'm'),
    );
    // The same tables as the services' own migration at start makes (the test databases' way).
    const built = await tables(db.url);
    expect(built).toEqual(await tables(reference.url));
    expect(await schemasWithTables(db.url)).toEqual(schemasOf(ALL));
    for (const { schema, migrations } of ALL) {
      const recorded = await query(db.url, `SELECT name FROM "${schema}".migrations`);
      expect(recorded).toHaveLength(migrations.length);
    }

    const second = await migrate({ DATABASE_URL: db.url, KAFKA_BROKERS: '' });
    expect(second).toMatchObject({ code: 0 });
    for (const { schema, migrations } of ALL) {
      expect(second.output).toContain(`${schema}: up to date (${migrations.length} migration(s))`);
    }
    expect(second.output).toMatch(/6 schema\(s\) up to date, nothing to apply$/m);
    expect(second.output).not.toMatch(/applied/);
    expect(await tables(db.url)).toEqual(built);
  }, 180_000);

  it('migrates only the schemas named; on Kafka, leaves the embedded bus’s dead letters out', async () => {
    const db = await fresh();
    const named = await migrate({ DATABASE_URL: db.url }, ['evaluation', 'path']);
    expect(named).toMatchObject({ code: 0 });
    expect(named.output).toMatch(/migrating 2 schema\(s\) .*: path, evaluation$/m);
    expect(await schemasWithTables(db.url)).toEqual(['evaluation', 'path']);

    // testProcessEnv passes the tests' KAFKA_BROKERS: the distributed processes' schemas only.
    const all = await migrate({ DATABASE_URL: db.url });
    expect(all).toMatchObject({ code: 0 });
    expect(all.output).toMatch(/^path: up to date/m);
    expect(all.output).toMatch(/^analytics: \d+ migration\(s\) applied/m);
    expect(await schemasWithTables(db.url)).toEqual(schemasOf(SERVICES));
  }, 180_000);

  it('exits 1 naming the migration that failed, what is done and what was not attempted', async () => {
    const db = await fresh();
    // A table in the way of the evaluation schema's first migration.
    await query(db.url, 'CREATE SCHEMA evaluation; CREATE TABLE evaluation.events (id int)');
    const run = await migrate({ DATABASE_URL: db.url });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /migrate failed: evaluation: migration CreateEventStore\d+ failed: relation "events" already exists/,
    );
    expect(run.output).toContain(
      'up to date: path, task_generation; not attempted: tutor_gateway, analytics',
    );
    expect(await schemasWithTables(db.url)).toEqual(['evaluation', 'path', 'task_generation']);
  }, 60_000);

  it('exits 1 with a clear message when PostgreSQL cannot be reached', async () => {
    const port = await closedPort();
    const run = await migrate({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/studypath` });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      new RegExp(
        `migrate failed: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\): nothing was migrated`,
      ),
    );
  }, 60_000);

  it('exits 2 with its usage on a name it does not know', async () => {
    const run = await migrate({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, ['paths']);
    expect(run.code).toBe(2);
    expect(run.output).toContain('unknown name(s): paths');
    expect(run.output).toContain('usage: npm run migrate');
  }, 60_000);
});
