import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The version of task generation a path runs; every path before this column ran generation-1.
 * No CHECK on the value: the repository refuses a version it does not know when it loads the row.
 */
export class AddGenerationPolicy1765400000001 implements MigrationInterface {
  name = 'AddGenerationPolicy1765400000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE task_generation.generation_paths ADD COLUMN generation text NOT NULL DEFAULT 'generation-1'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE task_generation.generation_paths DROP COLUMN generation');
  }
}
