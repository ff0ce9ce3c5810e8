import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hint requests of each user, for the daily cap (`HINT_DAILY_CAP` in any 24 hours), filled
 * from the log; and `hints_used` counting delivered hints, as the API says, where it counted
 * requests before.
 */
export class HintRequests1765600000003 implements MigrationInterface {
  name = 'HintRequests1765600000003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE path.hint_requests (
        hint_request_id uuid         PRIMARY KEY,
        user_id         varchar(255) NOT NULL,
        task_id         uuid         NOT NULL,
        requested_at    timestamptz  NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX hint_requests_user_time ON path.hint_requests (user_id, requested_at)',
    );
    await runner.query(`
      INSERT INTO path.hint_requests (hint_request_id, user_id, task_id, requested_at)
      SELECT (data->>'hint_request_id')::uuid, user_id, (data->>'task_id')::uuid, occurred_at
        FROM path.task_events
       WHERE event_type = 'task.hint_requested'
      ON CONFLICT (hint_request_id) DO NOTHING`);
    await runner.query(`
      UPDATE path.study_tasks t
         SET hints_used = (SELECT count(*) FROM path.task_events e
                            WHERE e.stream_id = 'task-' || t.task_id
                              AND e.event_type = 'task.hint_delivered')
       WHERE t.hints_used > 0`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      UPDATE path.study_tasks t
         SET hints_used = (SELECT count(*) FROM path.hint_requests r WHERE r.task_id = t.task_id)`);
    await runner.query('DROP TABLE path.hint_requests');
  }
}
