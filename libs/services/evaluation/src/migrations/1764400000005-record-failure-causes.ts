import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why an evaluation could not run, and an index to count a code's recent failures by: the cap on
 * the sandbox's free failures per code (domain/infrastructure-failure-cap.ts) asks on each one.
 */
export class RecordFailureCauses1764400000005 implements MigrationInterface {
  name = 'RecordFailureCauses1764400000005';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE evaluation.task_evaluations
        ADD COLUMN failure_cause text
          CHECK (failure_cause IN ('sandbox_failed', 'worker_stopped', 'problem_unknown'))`);
    // Failures recorded before this column said why only in their message.
    await runner.query(`
      UPDATE evaluation.task_evaluations
         SET failure_cause = CASE
               WHEN message LIKE 'the problem bank does not know problem %' THEN 'problem_unknown'
               WHEN message LIKE 'the evaluation stopped its worker %' THEN 'worker_stopped'
               ELSE 'sandbox_failed'
             END
       WHERE state = 'failed'`);
    await runner.query(`
      ALTER TABLE evaluation.task_evaluations
        ADD CONSTRAINT task_evaluations_failure_has_cause
          CHECK ((failure_cause IS NOT NULL) = (state = 'failed'))`);
    // Partial: failures are a small share of the rows.
    await runner.query(`
      CREATE INDEX task_evaluations_failures_by_code
          ON evaluation.task_evaluations (code_hash, language, finished_at)
       WHERE state = 'failed'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX evaluation.task_evaluations_failures_by_code');
    await runner.query('ALTER TABLE evaluation.task_evaluations DROP COLUMN failure_cause');
  }
}
