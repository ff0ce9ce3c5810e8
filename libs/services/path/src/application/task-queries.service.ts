import { Injectable } from '@nestjs/common';
import { DEFAULT_TRACK_ID } from '@studypath/contracts';
import { InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { ProblemBank, type ProblemMetadata } from '@studypath/problem-bank';
import { NotFoundError } from '../domain/domain-errors';
import { PathRepository, type StudyTaskRow, type TaskFilter } from '../projections/path.repository';
import {
  AUDIT_BATCH_DEFAULT_LIMIT,
  auditBatch,
  type AuditBatch,
  type AuditRange,
} from './audit-trail';
import { PathCommands } from './path-commands.service';
import { taskStream } from './streams';

export const TASK_PAGE_DEFAULT_LIMIT = 20;

/** What a user reads of their tasks: always their own; another user's task is not found. */
@Injectable()
export class TaskQueries {
  constructor(
    @InjectEventStore('path') private readonly store: PostgresEventStore,
    private readonly repository: PathRepository,
    private readonly paths: PathCommands,
    private readonly problems: ProblemBank,
  ) {}

  async mustFind(userId: string, taskId: string): Promise<StudyTaskRow> {
    const row = await this.repository.findTask(userId, taskId);
    if (!row) throw new NotFoundError('study task not found');
    return row;
  }

  /** A page of tasks, newest first; `more` says whether another page follows. */
  async page(
    filter: Omit<TaskFilter, 'limit'> & { limit?: number },
  ): Promise<{ items: StudyTaskRow[]; more: boolean }> {
    const limit = filter.limit ?? TASK_PAGE_DEFAULT_LIMIT;
    const rows = await this.repository.listTasks({ ...filter, limit: limit + 1 });
    return { items: rows.slice(0, limit), more: rows.length > limit };
  }

  /** The task to do next on a path (by default the user's open path on the default track). */
  async next(
    userId: string,
    pathId?: string,
  ): Promise<{ task: StudyTaskRow; problem: ProblemMetadata | undefined }> {
    const id = pathId ?? (await this.paths.mustFindActive(userId, DEFAULT_TRACK_ID)).path_id;
    const task = await this.repository.findNextTask(userId, id);
    if (!task) throw new NotFoundError('no task is waiting on this path', { path_id: id });
    return { task, problem: await this.problems.getProblemMetadata(task.problem_id) };
  }

  /** The task's events, in order. */
  async auditTrail(userId: string, taskId: string, range: AuditRange): Promise<AuditBatch> {
    await this.mustFind(userId, taskId);
    const limit = range.limit ?? AUDIT_BATCH_DEFAULT_LIMIT;
    const events = (await this.store.readStream(taskStream(taskId)))
      .filter((e) => e.global_position > (range.after ?? 0))
      .slice(0, limit);
    return auditBatch(events, limit);
  }
}
