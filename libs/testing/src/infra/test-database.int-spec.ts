import { createServiceDataSource, migrateServiceSchema } from '@studypath/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './test-database';

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
