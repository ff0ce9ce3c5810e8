import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What peer comparison reads of every path of a track, kept beside the row's full state: the
 * track and the per-module tallies, as columns PostgreSQL derives from `state` on every write
 * (so the projection cannot forget them, and a rebuild fills them too). A comparison then reads
 * a few hundred bytes per learner of the track through the index, not each path's whole state
 * (which grows with its tasks and lives in TOAST).
 */
export class PathProgressPeerColumns1765200000002 implements MigrationInterface {
  name = 'PathProgressPeerColumns1765200000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE analytics.path_progress
        ADD COLUMN track_id text  GENERATED ALWAYS AS (state ->> 'trackId') STORED,
        ADD COLUMN modules  jsonb GENERATED ALWAYS AS (state -> 'modules') STORED`);
    await runner.query(`
      CREATE INDEX path_progress_track ON analytics.path_progress (track_id, user_id, updated_at DESC)
       WHERE status <> 'archived'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX analytics.path_progress_track');
    await runner.query(
      'ALTER TABLE analytics.path_progress DROP COLUMN modules, DROP COLUMN track_id',
    );
  }
}
