import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tutor-gateway's read models: what it knows of each task for the tutor's context (built from
 * the task stream: the problem, the submissions and their results, the hints given), and the
 * hints it wrote, served by `GET /v1/hints/{id}`.
 */
export class CreateHints1765500000001 implements MigrationInterface {
  name = 'CreateHints1765500000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tutor_gateway.task_contexts (
        task_id     uuid         PRIMARY KEY,
        path_id     uuid         NOT NULL,
        user_id     varchar(255) NOT NULL,
        problem_id  text         NOT NULL,
        pending     jsonb        NOT NULL DEFAULT '{}',
        submissions jsonb        NOT NULL DEFAULT '[]',
        hints       jsonb        NOT NULL DEFAULT '[]',
        updated_at  timestamptz  NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE tutor_gateway.hints (
        hint_id      uuid         PRIMARY KEY,
        task_id      uuid         NOT NULL,
        path_id      uuid         NOT NULL,
        user_id      varchar(255) NOT NULL,
        level        integer      NOT NULL CHECK (level BETWEEN 1 AND 3),
        status       text         NOT NULL CHECK (status IN ('delivered')),
        content      text         NOT NULL,
        source       text         NOT NULL CHECK (source IN ('llm', 'builtin')),
        model        text,
        latency_ms   integer      NOT NULL,
        requested_at timestamptz  NOT NULL,
        delivered_at timestamptz  NOT NULL
      )`);
    await runner.query('CREATE INDEX hints_task ON tutor_gateway.hints (task_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tutor_gateway.hints');
    await runner.query('DROP TABLE tutor_gateway.task_contexts');
  }
}
