import type { PathPolicies } from '@studypath/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { PathConfig, PathStatus } from '../domain/path.decider';
import type { TaskStatus } from '../domain/task.decider';

export interface StudyPathRow {
  path_id: string;
  user_id: string;
  track_id: string;
  status: PathStatus;
  config: PathConfig;
  /** The versions of task generation and review scheduling the path runs. */
  policies: PathPolicies;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface StudyTaskRow {
  task_id: string;
  path_id: string;
  user_id: string;
  problem_id: string;
  module: string;
  topics: string[];
  difficulty: number;
  order_index: number;
  source: 'initial' | 'adaptive' | 'review';
  status: TaskStatus;
  attempts: number;
  max_attempts: number;
  hints_used: number;
  time_spent_seconds: number | null;
  last_submission_id: string | null;
  last_evaluation: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  version: number;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
}

export interface TaskFilter {
  userId: string;
  pathId?: string;
  status?: TaskStatus;
  module?: string;
  source?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: the (created_at, task_id) of the last row of the previous page. */
  after?: { createdAt: Date; taskId: string };
  limit: number;
}

const TASK_COLUMNS = `task_id, path_id, user_id, problem_id, module, topics, difficulty, order_index, source, status,
  attempts, max_attempts, hints_used, time_spent_seconds, last_submission_id, last_evaluation, metadata, version,
  created_at, started_at, completed_at, updated_at`;

/** The only place that reads the path service's projections. Each query names the index it uses. */
@Injectable()
export class PathRepository {
  constructor(@InjectDataSource('path') private readonly dataSource: DataSource) {}

  /** Owner-scoped: another user's path is simply not found. */
  async findPath(
    userId: string,
    pathId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StudyPathRow | undefined> {
    const rows = (await manager.query(
      'SELECT * FROM path.study_paths WHERE path_id = $1 AND user_id = $2',
      [pathId, userId],
    )) as StudyPathRow[];
    return rows[0];
  }

  /** Index study_paths_one_open_per_track. */
  async findOpenPath(userId: string, trackId: string): Promise<StudyPathRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM path.study_paths WHERE user_id = $1 AND track_id = $2 AND status <> 'archived'`,
      [userId, trackId],
    )) as StudyPathRow[];
    return rows[0];
  }

  async findTask(userId: string, taskId: string): Promise<StudyTaskRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${TASK_COLUMNS} FROM path.study_tasks WHERE task_id = $1 AND user_id = $2`,
      [taskId, userId],
    )) as StudyTaskRow[];
    return rows[0];
  }

  /** Index study_tasks_next: the task in progress (or awaiting its evaluation), else the first pending one. */
  async findNextTask(userId: string, pathId: string): Promise<StudyTaskRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${TASK_COLUMNS} FROM path.study_tasks
        WHERE path_id = $1 AND user_id = $2 AND status IN ('pending', 'in_progress', 'submitted')
        ORDER BY CASE WHEN status = 'pending' THEN 1 ELSE 0 END, order_index
        LIMIT 1`,
      [pathId, userId],
    )) as StudyTaskRow[];
    return rows[0];
  }

  /** Index study_tasks_by_user: a keyset page, newest first. */
  async listTasks(filter: TaskFilter): Promise<StudyTaskRow[]> {
    const where = ['user_id = $1'];
    const params: unknown[] = [filter.userId];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.pathId) add('path_id = ?', filter.pathId);
    if (filter.status) add('status = ?', filter.status);
    if (filter.module) add('module = ?', filter.module);
    if (filter.source) add('source = ?', filter.source);
    if (filter.from) add('created_at >= ?', filter.from);
    if (filter.to) add('created_at < ?', filter.to);
    if (filter.after) {
      params.push(filter.after.createdAt, filter.after.taskId);
      where.push(`(created_at, task_id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(filter.limit);
    return (await this.dataSource.query(
      `SELECT ${TASK_COLUMNS} FROM path.study_tasks WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, task_id DESC LIMIT $${params.length}`,
      params,
    )) as StudyTaskRow[];
  }

  /** Index study_tasks_pending_since, joined to each path's expiry window. */
  async findExpiredPendingTasks(
    now: Date,
    limit: number,
  ): Promise<{ task_id: string; user_id: string; created_at: Date; expiry_days: number }[]> {
    return (await this.dataSource.query(
      `SELECT t.task_id, t.user_id, t.created_at, (p.config ->> 'expiry_days')::int AS expiry_days
         FROM path.study_tasks t JOIN path.study_paths p ON p.path_id = t.path_id
        WHERE t.status = 'pending' AND p.status = 'active'
          AND t.created_at < $1::timestamptz - interval '1 day' -- the shortest window: lets the index cut the range
          AND t.created_at < $1::timestamptz - make_interval(days => (p.config ->> 'expiry_days')::int)
        ORDER BY t.created_at
        LIMIT $2`,
      [now, limit],
    )) as { task_id: string; user_id: string; created_at: Date; expiry_days: number }[];
  }
}
