import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The track a path generates on; every path before this column was generated on META_SWE. */
export class AddGenerationTrack1764400000004 implements MigrationInterface {
  name = 'AddGenerationTrack1764400000004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE task_generation.generation_paths ADD COLUMN track_id text NOT NULL DEFAULT 'meta-swe'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE task_generation.generation_paths DROP COLUMN track_id');
  }
}
