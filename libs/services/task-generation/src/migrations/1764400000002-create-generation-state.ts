import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-path generation state, built from the task events the service consumes (rebuildable). */
export class CreateGenerationState1764400000002 implements MigrationInterface {
  name = 'CreateGenerationState1764400000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE task_generation.generation_paths (
        path_id    uuid         PRIMARY KEY,
        user_id    varchar(255) NOT NULL,
        status     text         NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
        config     jsonb        NOT NULL,
        clock      integer      NOT NULL DEFAULT 1,
        proposals  integer      NOT NULL DEFAULT 0,
        tasks      jsonb        NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz  NOT NULL,
        updated_at timestamptz  NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE task_generation.generation_paths');
  }
}
