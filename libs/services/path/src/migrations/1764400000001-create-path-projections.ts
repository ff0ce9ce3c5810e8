import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inline projections of the path service, updated in the same transaction as each append.
 * Each index names the query it serves (see path.repository.ts).
 */
export class CreatePathProjections1764400000001 implements MigrationInterface {
  name = 'CreatePathProjections1764400000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE path.study_paths (
        path_id     uuid         PRIMARY KEY,
        user_id     varchar(255) NOT NULL,
        track_id    text         NOT NULL,
        status      text         NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
        config      jsonb        NOT NULL,
        version     integer      NOT NULL,
        created_at  timestamptz  NOT NULL,
        updated_at  timestamptz  NOT NULL
      )`);
    // One path per user and track that is not archived; also serves GET /study-paths/active
    // (WHERE user_id = $1 AND track_id = $2 AND status <> 'archived').
    await runner.query(
      `CREATE UNIQUE INDEX study_paths_one_open_per_track ON path.study_paths (user_id, track_id) WHERE status <> 'archived'`,
    );
    await runner.query(`
      CREATE TABLE path.study_tasks (
        task_id            uuid         PRIMARY KEY,
        path_id            uuid         NOT NULL REFERENCES path.study_paths (path_id),
        user_id            varchar(255) NOT NULL,
        problem_id         text         NOT NULL,
        module             text         NOT NULL,
        topics             text[]       NOT NULL,
        difficulty         smallint     NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
        order_index        integer      NOT NULL,
        source             text         NOT NULL CHECK (source IN ('initial', 'adaptive', 'review')),
        status             text         NOT NULL CHECK (status IN ('pending', 'in_progress', 'submitted', 'completed', 'failed', 'skipped', 'expired')),
        attempts           integer      NOT NULL DEFAULT 0,
        max_attempts       integer      NOT NULL,
        hints_used         integer      NOT NULL DEFAULT 0,
        time_spent_seconds integer,
        last_submission_id uuid,
        last_evaluation    jsonb,
        metadata           jsonb        NOT NULL DEFAULT '{}'::jsonb,
        version            integer      NOT NULL,
        created_at         timestamptz  NOT NULL,
        started_at         timestamptz,
        completed_at       timestamptz,
        updated_at         timestamptz  NOT NULL
      )`);
    // GET /study-tasks/next: the path's in-progress task, else its first pending one by order
    // (WHERE path_id = $1 AND status IN (...) ORDER BY order_index LIMIT 1), open tasks only.
    await runner.query(
      `CREATE INDEX study_tasks_next ON path.study_tasks (path_id, order_index) WHERE status IN ('pending', 'in_progress', 'submitted')`,
    );
    // GET /study-tasks (a user's tasks, newest first, keyset-paginated by (created_at, task_id)),
    // with optional filters on path, status, module and source applied to that range.
    await runner.query(
      `CREATE INDEX study_tasks_by_user ON path.study_tasks (user_id, created_at DESC, task_id DESC)`,
    );
    // The expiry job: pending tasks created before a cutoff (WHERE status = 'pending' AND created_at < $1).
    await runner.query(
      `CREATE INDEX study_tasks_pending_since ON path.study_tasks (created_at) WHERE status = 'pending'`,
    );
    // GET /study-paths/{id}/events: the audit trail of a path is its own stream and its tasks'
    // streams; task events carry the path id (WHERE data->>'path_id' = $1 AND global_position > $2).
    await runner.query(
      `CREATE INDEX task_events_by_path ON path.task_events ((data ->> 'path_id'), global_position)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX path.task_events_by_path');
    await runner.query('DROP TABLE path.study_tasks');
    await runner.query('DROP TABLE path.study_paths');
  }
}
