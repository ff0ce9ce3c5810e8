import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { GivenHint, SubmissionRecord, TutorLanguage } from '../domain';

/** A submission waiting for its evaluation: what its record will need. */
export interface PendingSubmission {
  attempt: number;
  language: TutorLanguage;
  code: string;
}

/** What the tutor knows of a task, from the task stream. */
export interface TaskContextRow {
  task_id: string;
  path_id: string;
  user_id: string;
  problem_id: string;
  pending: Record<string, PendingSubmission>;
  submissions: SubmissionRecord[];
  hints: GivenHint[];
}

/** A hint the tutor writes (`generating`) or wrote (`delivered`: content, source, … are set). */
export interface HintRow {
  hint_id: string;
  task_id: string;
  path_id: string;
  user_id: string;
  level: number;
  status: 'generating' | 'delivered';
  content: string | null;
  source: 'llm' | 'builtin' | null;
  model: string | null;
  latency_ms: number | null;
  requested_at: Date;
  delivered_at: Date | null;
}

@Injectable()
export class TutorRepository {
  constructor(@InjectDataSource('tutor_gateway') private readonly dataSource: DataSource) {}

  async createContext(
    row: Pick<TaskContextRow, 'task_id' | 'path_id' | 'user_id' | 'problem_id'>,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO tutor_gateway.task_contexts (task_id, path_id, user_id, problem_id)
       VALUES ($1, $2, $3, $4) ON CONFLICT (task_id) DO NOTHING`,
      [row.task_id, row.path_id, row.user_id, row.problem_id],
    );
  }

  /** The task's context, locked for the transaction; undefined for a task never seen created. */
  async lockContext(taskId: string, manager: EntityManager): Promise<TaskContextRow | undefined> {
    const rows = (await manager.query(
      'SELECT * FROM tutor_gateway.task_contexts WHERE task_id = $1 FOR UPDATE',
      [taskId],
    )) as TaskContextRow[];
    return rows[0];
  }

  async findContext(taskId: string): Promise<TaskContextRow | undefined> {
    const rows = (await this.dataSource.query(
      'SELECT * FROM tutor_gateway.task_contexts WHERE task_id = $1',
      [taskId],
    )) as TaskContextRow[];
    return rows[0];
  }

  async saveContext(row: TaskContextRow, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE tutor_gateway.task_contexts
          SET pending = $2, submissions = $3, hints = $4, updated_at = now()
        WHERE task_id = $1`,
      [
        row.task_id,
        JSON.stringify(row.pending),
        JSON.stringify(row.submissions),
        JSON.stringify(row.hints),
      ],
    );
  }

  /**
   * The hint being written: known to its owner's stream from now on. False when it was already
   * (a redelivered request).
   */
  async startHint(
    row: Pick<HintRow, 'hint_id' | 'task_id' | 'path_id' | 'user_id' | 'level' | 'requested_at'>,
  ): Promise<boolean> {
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO tutor_gateway.hints (hint_id, task_id, path_id, user_id, level, status, requested_at)
       VALUES ($1, $2, $3, $4, $5, 'generating', $6) ON CONFLICT (hint_id) DO NOTHING
       RETURNING hint_id`,
      [row.hint_id, row.task_id, row.path_id, row.user_id, row.level, row.requested_at],
    );
    return inserted.length === 1;
  }

  async saveHint(row: HintRow, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO tutor_gateway.hints
         (hint_id, task_id, path_id, user_id, level, status, content, source, model, latency_ms,
          requested_at, delivered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (hint_id) DO UPDATE
          SET status = excluded.status, content = excluded.content, source = excluded.source,
              model = excluded.model, latency_ms = excluded.latency_ms,
              delivered_at = excluded.delivered_at
        WHERE tutor_gateway.hints.status = 'generating'`,
      [
        row.hint_id,
        row.task_id,
        row.path_id,
        row.user_id,
        row.level,
        row.status,
        row.content,
        row.source,
        row.model,
        row.latency_ms,
        row.requested_at,
        row.delivered_at,
      ],
    );
  }

  /** Owner-scoped: another user's hint is simply not found. */
  async findHint(userId: string, hintId: string): Promise<HintRow | undefined> {
    const rows = (await this.dataSource.query(
      'SELECT * FROM tutor_gateway.hints WHERE hint_id = $1 AND user_id = $2',
      [hintId, userId],
    )) as HintRow[];
    return rows[0];
  }
}
