import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The due reviews a path keeps while it is paused (paths before this column had none). */
export class AddPendingReviews1765300000001 implements MigrationInterface {
  name = 'AddPendingReviews1765300000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE task_generation.generation_paths ADD COLUMN pending_reviews jsonb NOT NULL DEFAULT '[]'::jsonb`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE task_generation.generation_paths DROP COLUMN pending_reviews');
  }
}
