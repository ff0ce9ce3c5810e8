import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A hint is known from the moment the tutor starts writing it: its stream can be followed. */
export class HintsGenerating1765500000002 implements MigrationInterface {
  name = 'HintsGenerating1765500000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE tutor_gateway.hints
        DROP CONSTRAINT hints_status_check,
        ADD CONSTRAINT hints_status_check CHECK (status IN ('generating', 'delivered')),
        ALTER COLUMN content DROP NOT NULL,
        ALTER COLUMN source DROP NOT NULL,
        ALTER COLUMN latency_ms DROP NOT NULL,
        ALTER COLUMN delivered_at DROP NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DELETE FROM tutor_gateway.hints WHERE status = 'generating'`);
    await runner.query(`
      ALTER TABLE tutor_gateway.hints
        DROP CONSTRAINT hints_status_check,
        ADD CONSTRAINT hints_status_check CHECK (status IN ('delivered')),
        ALTER COLUMN content SET NOT NULL,
        ALTER COLUMN source SET NOT NULL,
        ALTER COLUMN latency_ms SET NOT NULL,
        ALTER COLUMN delivered_at SET NOT NULL`);
  }
}
