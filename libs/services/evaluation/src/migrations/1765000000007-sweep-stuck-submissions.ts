import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the sweeper (application/stuck-submissions.sweeper.ts) needs to re-drive a submission
 * exactly as its consumer would: the id of its `task.submitted` (the inbox key, so a re-drive and a
 * late delivery have one effect), its correlation and trace; and how often, when last, it was
 * re-driven. A submission given up after its re-drives fails as `stalled`.
 */
export class SweepStuckSubmissions1765000000007 implements MigrationInterface {
  name = 'SweepStuckSubmissions1765000000007';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE evaluation.task_evaluations
        ADD COLUMN event_id       uuid,
        ADD COLUMN correlation_id text,
        ADD COLUMN traceparent    text,
        ADD COLUMN redrives       integer     NOT NULL DEFAULT 0,
        ADD COLUMN redriven_at    timestamptz`);
    await runner.query(`
      ALTER TABLE evaluation.task_evaluations
        DROP CONSTRAINT task_evaluations_failure_cause_check,
        ADD CONSTRAINT task_evaluations_failure_cause_check
          CHECK (failure_cause IN ('sandbox_failed', 'worker_stopped', 'problem_unknown', 'stalled'))`);
    // The sweeper's question, every half minute: which unfinished submissions are old. Partial:
    // almost every row is finished.
    await runner.query(`
      CREATE INDEX task_evaluations_unfinished
          ON evaluation.task_evaluations (queued_at)
       WHERE state IN ('queued', 'running')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX evaluation.task_evaluations_unfinished');
    await runner.query(`
      ALTER TABLE evaluation.task_evaluations
        DROP CONSTRAINT task_evaluations_failure_cause_check,
        ADD CONSTRAINT task_evaluations_failure_cause_check
          CHECK (failure_cause IN ('sandbox_failed', 'worker_stopped', 'problem_unknown'))`);
    await runner.query(`
      ALTER TABLE evaluation.task_evaluations
        DROP COLUMN event_id, DROP COLUMN correlation_id, DROP COLUMN traceparent,
        DROP COLUMN redrives, DROP COLUMN redriven_at`);
  }
}
