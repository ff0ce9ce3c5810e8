import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two more read models for the tutor's context: the failing tests of each evaluated submission
 * (from `evaluation.completed`: sample tests with their values, hidden ones by category), and the
 * learner's mastery per path and topic (from `analytics.mastery_updated`).
 */
export class SubmissionReportsAndMastery1765500000003 implements MigrationInterface {
  name = 'SubmissionReportsAndMastery1765500000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tutor_gateway.submission_reports (
        submission_id uuid        PRIMARY KEY,
        task_id       uuid        NOT NULL,
        failing_tests jsonb       NOT NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      'CREATE INDEX submission_reports_task ON tutor_gateway.submission_reports (task_id)',
    );
    await runner.query(`
      CREATE TABLE tutor_gateway.topic_mastery (
        path_id     uuid             NOT NULL,
        topic       text             NOT NULL,
        mastery     double precision NOT NULL CHECK (mastery BETWEEN 0 AND 1),
        evaluations integer          NOT NULL,
        updated_at  timestamptz      NOT NULL DEFAULT now(),
        PRIMARY KEY (path_id, topic)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE tutor_gateway.topic_mastery');
    await runner.query('DROP TABLE tutor_gateway.submission_reports');
  }
}
