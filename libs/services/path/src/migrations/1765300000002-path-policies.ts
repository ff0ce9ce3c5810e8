import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The versions of task generation and review scheduling a path runs (docs/reviews.md,
 * "Policies"). Paths created before they were recorded run the original ones.
 */
export class PathPolicies1765300000002 implements MigrationInterface {
  name = 'PathPolicies1765300000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE path.study_paths
        ADD COLUMN policies jsonb NOT NULL
            DEFAULT '{"generation": "generation-1", "scheduling": "fsrs-deadline-1"}'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE path.study_paths DROP COLUMN policies');
  }
}
