import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { GivenHint, SubmissionRecord, TestReport, TutorLanguage } from '../domain';

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

  /** The failing tests of an evaluated submission, as `evaluation.completed` reported them. */
  async saveReport(
    report: { submission_id: string; task_id: string; failing_tests: readonly TestReport[] },
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO tutor_gateway.submission_reports (submission_id, task_id, failing_tests)
       VALUES ($1, $2, $3) ON CONFLICT (submission_id) DO NOTHING`,
      [report.submission_id, report.task_id, JSON.stringify(report.failing_tests)],
    );
  }

  /** The failing tests reported for the task's submissions, by submission id. */
  async reportsOfTask(taskId: string): Promise<Map<string, TestReport[]>> {
    const rows = (await this.dataSource.query(
      `SELECT submission_id, failing_tests FROM tutor_gateway.submission_reports
        WHERE task_id = $1`,
      [taskId],
    )) as { submission_id: string; failing_tests: TestReport[] }[];
    return new Map(rows.map((row) => [row.submission_id, row.failing_tests]));
  }

  /**
   * The learner's mastery of each topic on the path, as of the latest update: an update is kept
   * only when it counts at least as many evaluations as the one stored (a redelivered older one
   * changes nothing).
   */
  async saveMastery(
    pathId: string,
    topics: readonly { topic: string; mastery: number; evaluations: number }[],
    manager: EntityManager,
  ): Promise<void> {
    if (topics.length === 0) return;
    await manager.query(
      `INSERT INTO tutor_gateway.topic_mastery (path_id, topic, mastery, evaluations)
       SELECT $1, t.topic, t.mastery, t.evaluations
         FROM jsonb_to_recordset($2::jsonb) AS t(topic text, mastery double precision, evaluations integer)
       ON CONFLICT (path_id, topic) DO UPDATE
          SET mastery = excluded.mastery, evaluations = excluded.evaluations, updated_at = now()
        WHERE tutor_gateway.topic_mastery.evaluations <= excluded.evaluations`,
      [pathId, JSON.stringify(topics)],
    );
  }

  /** The learner's mastery of the given topics on the path (topics without data left out). */
  async masteryOf(pathId: string, topics: readonly string[]): Promise<Record<string, number>> {
    if (topics.length === 0) return {};
    const rows = (await this.dataSource.query(
      `SELECT topic, mastery FROM tutor_gateway.topic_mastery
        WHERE path_id = $1 AND topic = ANY($2::text[])`,
      [pathId, topics],
    )) as { topic: string; mastery: number }[];
    return Object.fromEntries(rows.map((row) => [row.topic, row.mastery]));
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
