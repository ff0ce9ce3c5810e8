import { Injectable } from '@nestjs/common';
import type { Enveloped, TaskTopicEvent } from '@studypath/contracts';
import { assertNever } from '@studypath/decider';
import type { EntityManager } from 'typeorm';
import { countsAsAttempt, maxAttemptsOf } from '../domain/task.decider';

/** An event of the path service's log: a path's or a task's, as appended. */
export type PathLogEvent = Enveloped<TaskTopicEvent>;

/**
 * Keeps the inline projections `study_paths` and `study_tasks` in step with the log. Called in the
 * transaction of each append, so a projection is never behind or ahead of its stream; `version` is
 * the stream position it reflects.
 */
@Injectable()
export class PathProjector {
  async apply(events: readonly PathLogEvent[], manager: EntityManager): Promise<void> {
    for (const event of events) await this.applyOne(event, manager);
  }

  private async applyOne(event: PathLogEvent, manager: EntityManager): Promise<void> {
    const at = event.occurred_at;
    const version = event.stream_position;
    switch (event.event_type) {
      case 'path.created':
        await manager.query(
          `INSERT INTO path.study_paths (path_id, user_id, track_id, status, config, policies, version, created_at, updated_at)
           VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $7)`,
          [
            event.data.path_id,
            event.user_id,
            event.data.track_id,
            JSON.stringify(event.data.config),
            JSON.stringify(event.data.policies),
            version,
            at,
          ],
        );
        return;
      case 'path.config_updated':
        await update(
          manager,
          PATHS,
          event.data.path_id,
          'config = $4',
          [JSON.stringify(event.data.config)],
          version,
          at,
        );
        return;
      case 'path.policies_changed':
        await update(
          manager,
          PATHS,
          event.data.path_id,
          'policies = $4',
          [JSON.stringify(event.data.policies)],
          version,
          at,
        );
        return;
      case 'path.paused':
        await update(manager, PATHS, event.data.path_id, `status = 'paused'`, [], version, at);
        return;
      case 'path.resumed':
        await update(manager, PATHS, event.data.path_id, `status = 'active'`, [], version, at);
        return;
      case 'path.archived':
        await update(manager, PATHS, event.data.path_id, `status = 'archived'`, [], version, at);
        return;
      case 'task.created':
        await manager.query(
          `INSERT INTO path.study_tasks (task_id, path_id, user_id, problem_id, module, topics, difficulty, order_index,
             source, status, max_attempts, metadata, version, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $13, $13)`,
          [
            event.data.task_id,
            event.data.path_id,
            event.user_id,
            event.data.problem_id,
            event.data.module,
            event.data.topics,
            event.data.difficulty,
            event.data.order,
            event.data.source,
            maxAttemptsOf(event.data),
            // A review task shows the review it was made for (docs/reviews.md) in its metadata.
            JSON.stringify({
              ...event.data.metadata,
              ...(event.data.review ? { review: event.data.review } : {}),
            }),
            version,
            at,
          ],
        );
        return;
      case 'task.started':
        await update(manager, TASKS, event.data.task_id, 'started_at = $4', [at], version, at);
        return;
      case 'task.status_changed':
        await update(
          manager,
          TASKS,
          event.data.task_id,
          `status = $4,
           completed_at = CASE WHEN $4 IN ('completed', 'failed') THEN $5::timestamptz ELSE completed_at END,
           time_spent_seconds = CASE WHEN $4 IN ('completed', 'failed') AND started_at IS NOT NULL
             THEN extract(epoch FROM $5::timestamptz - started_at)::int ELSE time_spent_seconds END`,
          [event.data.to, at],
          version,
          at,
        );
        return;
      case 'task.submitted':
        await update(
          manager,
          TASKS,
          event.data.task_id,
          'attempts = $4, last_submission_id = $5',
          [event.data.attempt, event.data.submission_id],
          version,
          at,
        );
        return;
      case 'task.evaluated': {
        const { submission_id, status, score, passed_tests, total_tests, runtime_ms, memory_kb } =
          event.data;
        const evaluation = {
          submission_id,
          status,
          score,
          passed_tests,
          total_tests,
          runtime_ms,
          memory_kb,
        };
        await update(
          manager,
          TASKS,
          event.data.task_id,
          `last_evaluation = $4, attempts = attempts - CASE WHEN $5 THEN 1 ELSE 0 END`,
          [JSON.stringify(evaluation), !countsAsAttempt(evaluation.status)],
          version,
          at,
        );
        return;
      }
      case 'task.hint_requested':
        // Counted against the user's daily cap from now; in hints_used once delivered.
        await manager.query(
          `INSERT INTO path.hint_requests (hint_request_id, user_id, task_id, requested_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (hint_request_id) DO NOTHING`,
          [event.data.hint_request_id, event.user_id, event.data.task_id, event.occurred_at],
        );
        await update(manager, TASKS, event.data.task_id, '', [], version, at);
        return;
      case 'task.hint_delivered':
        await update(
          manager,
          TASKS,
          event.data.task_id,
          'hints_used = hints_used + 1',
          [],
          version,
          at,
        );
        return;
      case 'task.expired':
      case 'task.skipped':
        await update(manager, TASKS, event.data.task_id, '', [], version, at);
        return;
      default:
        return assertNever(event, 'event');
    }
  }
}

const PATHS = { table: 'path.study_paths', key: 'path_id' } as const;
const TASKS = { table: 'path.study_tasks', key: 'task_id' } as const;

/** Moves one row of a projection to the stream position `version`, with `set` ($4 on) as well. */
async function update(
  manager: EntityManager,
  { table, key }: typeof PATHS | typeof TASKS,
  id: string,
  set: string,
  params: unknown[],
  version: number,
  at: string,
): Promise<void> {
  await manager.query(
    `UPDATE ${table} SET ${set ? `${set}, ` : ''}version = $2, updated_at = $3 WHERE ${key} = $1`,
    [id, version, at, ...params],
  );
}
