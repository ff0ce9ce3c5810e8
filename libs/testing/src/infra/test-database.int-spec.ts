import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createServiceDataSource, migrateServiceSchema } from '@studypath/platform';
import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  createTestDatabase,
  dropLeftoverTestDatabases,
  dropThisRunsTestDatabases,
  type TestDatabase,
} from './test-database';

class CreateNotesTable1700000000000 implements MigrationInterface {
  name = 'CreateNotesTable1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE probe.notes (id serial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE probe.notes');
  }
}

const probe = { schema: 'probe', migrations: [CreateNotesTable1700000000000] };

describe('service data sources (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase([probe]);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('gives each suite its own database, built by the real migrations', async () => {
    const dataSource = await db.dataSource(probe);
    const [{ current }] = (await dataSource.query('SELECT current_database() AS current')) as {
      current: string;
    }[];
    const applied = (await dataSource.query('SELECT name FROM probe.migrations')) as {
      name: string;
    }[];

    expect(current).toBe(db.name);
    expect(applied.map((m) => m.name)).toEqual(['CreateNotesTable1700000000000']);
  });

  it('round-trips a row', async () => {
    const dataSource = await db.dataSource(probe);
    const [inserted] = (await dataSource.query(
      'INSERT INTO probe.notes (body) VALUES ($1) RETURNING id',
      ['héllo, wörld ✓'],
    )) as { id: number }[];
    const rows = (await dataSource.query('SELECT body FROM probe.notes WHERE id = $1', [
      inserted?.id,
    ])) as { body: string }[];

    expect(rows).toEqual([{ body: 'héllo, wörld ✓' }]);
  });

  it('migrates once when several replicas start together, and reverts with down', async () => {
    const replicas = Array.from({ length: 4 }, () =>
      createServiceDataSource({
        ...probe,
        schema: 'probe_concurrent',
        migrations: [CreateConcurrentTable1700000000001],
        url: db.url,
        poolMax: 2,
        applicationName: 'replica',
      }),
    );
    await Promise.all(replicas.map((r) => r.initialize()));
    try {
      const silent = { log: (): void => undefined };
      const reports = await Promise.all(replicas.map((r) => migrateServiceSchema(r, silent)));

      expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, 1]);
      const first = replicas[0];
      if (!first) throw new Error('no replica');
      await first.undoLastMigration();
      const tables = (await first.query(
        "SELECT to_regclass('probe_concurrent.items') AS items",
      )) as { items: string | null }[];
      expect(tables).toEqual([{ items: null }]);
    } finally {
      await Promise.all(replicas.map((r) => r.destroy()));
    }
  });
});

class CreateConcurrentTable1700000000001 implements MigrationInterface {
  name = 'CreateConcurrentTable1700000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE probe_concurrent.items (id int PRIMARY KEY)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE probe_concurrent.items');
  }
}

describe('test database hygiene (real PostgreSQL)', () => {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  const made: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  const tag = randomBytes(3).toString('hex');
  /** A process id that is no longer in use: a process that has run and exited. */
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;

  async function make(
    name: string,
    owner?: { run: string; pid: number; host: string },
  ): Promise<string> {
    await admin.query(`CREATE DATABASE ${name}`);
    made.push(name);
    if (owner) await admin.query(`COMMENT ON DATABASE ${name} IS '${JSON.stringify(owner)}'`);
    return name;
  }

  async function existing(): Promise<Set<string>> {
    const rows = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1)',
      [made],
    );
    return new Set(rows.rows.map((r) => r.datname));
  }

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    for (const name of made) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('drops at the start of a run what no running test process uses, and keeps the rest', async () => {
    const thisHost = hostname();
    const recent = now.toString(36);
    const old = (now - 2 * 3600).toString(36);
    const gone = await make(`sp_tpl_${recent}_${tag}gone`, {
      run: recent,
      pid: deadPid,
      host: thisHost,
    });
    const live = await make(`sp_tpl_${recent}_${tag}live`, {
      run: recent,
      pid: process.pid,
      host: thisHost,
    });
    const oldUnowned = await make(`sp_tpl_${old}_${tag}old`);
    const recentUnowned = await make(`sp_tpl_${recent}_${tag}new`);
    const elsewhereRecent = await make(`sp_test_${now}_${tag}elsewhere`, {
      run: recent,
      pid: deadPid,
      host: `not-${thisHost}`,
    });
    const copyOfGone = await make(`sp_test_${now}_${tag}copy`, {
      run: recent,
      pid: deadPid,
      host: thisHost,
    });
    const oldCopyInUse = await make(`sp_test_${now - 2 * 3600}_${tag}inuse`);
    // Being made or copied by a process that holds its lock: left alone even though its owner is gone.
    const busy = await make(`sp_tpl_${recent}_${tag}busy`, {
      run: recent,
      pid: deadPid,
      host: thisHost,
    });
    const holder = new Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    const user = new Client({ connectionString: withDatabase(oldCopyInUse) });
    await user.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [busy]);

      const dropped = await dropLeftoverTestDatabases();

      expect(dropped).toEqual(expect.arrayContaining([gone, oldUnowned, copyOfGone]));
      const left = await existing();
      expect([...left].sort()).toEqual(
        [live, recentUnowned, elsewhereRecent, oldCopyInUse, busy].sort(),
      );
    } finally {
      await holder.end();
      await user.end();
    }
  });

  it("drops this run's templates and the copies its suites left at the end of the run, not another run's", async () => {
    const run = process.env.STUDYPATH_TEST_RUN;
    const otherRun = await make(`sp_tpl_${now.toString(36)}_${tag}other`, {
      run: 'another-run',
      pid: process.pid,
      host: hostname(),
    });
    process.env.STUDYPATH_TEST_RUN = `r${tag}`;
    try {
      const copy = await createTestDatabase([{ schema: `probe_${tag}`, migrations: [] }]);
      const named = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE starts_with(datname, 'sp_tpl_r' || $1)",
        [tag],
      );
      made.push(copy.name, ...named.rows.map((r) => r.datname));
      expect(named.rows).toHaveLength(1);

      const dropped = await dropThisRunsTestDatabases();

      const ours = [copy.name, ...named.rows.map((r) => r.datname)];
      expect(dropped.sort()).toEqual(ours.sort());
      const left = await existing();
      expect({ ours: ours.filter((name) => left.has(name)), other: left.has(otherRun) }).toEqual({
        ours: [],
        other: true,
      });
    } finally {
      process.env.STUDYPATH_TEST_RUN = run;
    }
  });
});

function withDatabase(database: string): string {
  const url = new URL(process.env.DATABASE_URL ?? '');
  url.pathname = `/${database}`;
  return url.toString();
}
