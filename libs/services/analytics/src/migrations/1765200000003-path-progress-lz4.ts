import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A path's `state` is tens of kilobytes of JSON, compressed into TOAST on every write: with lz4
 * instead of PostgreSQL's default pglz the compression costs a fraction of the CPU (a rebuild
 * writes every row; the projector one per event) for a little more space. A server built without
 * lz4 keeps pglz: nothing else changes.
 */
export class PathProgressLz41765200000003 implements MigrationInterface {
  name = 'PathProgressLz41765200000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      DO $$ BEGIN
        ALTER TABLE analytics.path_progress
          ALTER COLUMN state SET COMPRESSION lz4,
          ALTER COLUMN board SET COMPRESSION lz4,
          ALTER COLUMN positions SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available: analytics.path_progress keeps pglz';
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE analytics.path_progress
        ALTER COLUMN state SET COMPRESSION default,
        ALTER COLUMN board SET COMPRESSION default,
        ALTER COLUMN positions SET COMPRESSION default`);
  }
}
