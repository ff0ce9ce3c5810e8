import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per submission: its code, where its evaluation is, and its results. */
export class CreateTaskEvaluations1764400000003 implements MigrationInterface {
  name = 'CreateTaskEvaluations1764400000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE evaluation.task_evaluations (
        submission_id   uuid         PRIMARY KEY,
        task_id         uuid         NOT NULL,
        path_id         uuid         NOT NULL,
        user_id         varchar(255) NOT NULL,
        problem_id      text         NOT NULL,
        language        text         NOT NULL CHECK (language IN ('python', 'javascript')),
        code            text         NOT NULL,
        code_hash       text         NOT NULL,
        attempt         integer      NOT NULL,
        state           text         NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed')),
        worker_tries    integer      NOT NULL DEFAULT 0,
        status          text,
        score           double precision,
        passed_tests    integer,
        total_tests     integer,
        runtime_ms      double precision,
        memory_kb       double precision,
        tests           jsonb,
        message         text,
        test_suite_hash text,
        queued_at       timestamptz  NOT NULL,
        started_at      timestamptz,
        finished_at     timestamptz
      )`);
    // GET /v1/submissions/{id} reads by primary key and owner; a task's history by task.
    await runner.query(
      'CREATE INDEX task_evaluations_by_task ON evaluation.task_evaluations (task_id, queued_at)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE evaluation.task_evaluations');
  }
}
