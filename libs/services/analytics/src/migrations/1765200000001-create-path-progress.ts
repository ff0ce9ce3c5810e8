import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The progress read model: one row per study path holding the domain's fold of its events
 * (`state`, see domain/progress.read-model.ts), the task board behind "today's next task", and
 * the last stream position applied from each of the path's streams (`path-…`, `task-…`), which is
 * what makes applying an event idempotent. `version` counts the events applied: the ETag of what
 * the API serves from the row. A read is one row by primary key (progress, timeline) or by user
 * (dashboard), so its cost does not grow with the number of learners.
 */
export class CreatePathProgress1765200000001 implements MigrationInterface {
  name = 'CreatePathProgress1765200000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE analytics.path_progress (
        path_id    uuid         PRIMARY KEY,
        user_id    varchar(255) NOT NULL,
        status     text         NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'paused', 'archived')),
        state      jsonb        NOT NULL,
        board      jsonb        NOT NULL DEFAULT '{}',
        positions  jsonb        NOT NULL DEFAULT '{}',
        version    integer      NOT NULL DEFAULT 0,
        updated_at timestamptz  NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX path_progress_user ON analytics.path_progress (user_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE analytics.path_progress');
  }
}
