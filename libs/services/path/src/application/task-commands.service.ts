import { Inject, Injectable } from '@nestjs/common';
import type { EventData, TasksProposed } from '@studypath/contracts';
import {
  ConcurrencyError,
  handleCommand,
  InjectEventStore,
  retryOnConflict,
  type PostgresEventStore,
} from '@studypath/event-store';
import {
  APP_CONFIG,
  deterministicUuid,
  InjectDataSource,
  type AppConfig,
} from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { HintDailyCapError, IllegalTransitionError } from '../domain/domain-errors';
import { HINT_CAP_WINDOW_MS, secondsUntilHintAllowed, type HintUsage } from '../domain/hint-cap';
import { taskDecider, type TaskCommand } from '../domain/task.decider';
import { PathProjector } from '../projections/path.projector';
import type { StudyTaskRow } from '../projections/path.repository';
import { taskStream } from './streams';
import { TaskMetrics } from './task-metrics';
import { TaskQueries } from './task-queries.service';

export interface CommandContext {
  userId: string;
  correlationId?: string;
  causationId?: string | null;
  manager?: EntityManager;
}

/** Study task use cases, for the HTTP edge (owner-checked) and for other services' facts. */
@Injectable()
export class TaskCommands {
  constructor(
    @InjectEventStore('path') private readonly store: PostgresEventStore,
    @InjectDataSource('path') private readonly dataSource: DataSource,
    private readonly projector: PathProjector,
    private readonly queries: TaskQueries,
    private readonly taskMetrics: TaskMetrics,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'hintDailyCap'>,
  ) {}

  /** A user's command on their own task: another user's task is not found. */
  async execute(userId: string, taskId: string, command: TaskCommand): Promise<StudyTaskRow> {
    await this.queries.mustFind(userId, taskId);
    await this.run(taskId, command, { userId });
    return this.queries.mustFind(userId, taskId);
  }

  /** A user asks for the next hint on their task, now: the level is the one the task's rules gave. */
  async requestHint(
    userId: string,
    taskId: string,
    hintRequestId: string,
    now: Date = new Date(),
    code?: string,
  ): Promise<number> {
    await this.queries.mustFind(userId, taskId);
    const command: TaskCommand = {
      type: 'request_hint',
      hintRequestId,
      now,
      ...(code === undefined ? {} : { code }),
    };
    // The daily cap spans the user's tasks: the count and the request are one transaction, and
    // the user's concurrent requests wait for each other (a lock on the user), so none slips past.
    const events = await retryOnConflict(() =>
      this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hint-cap:${userId}`]);
        const wait = secondsUntilHintAllowed(
          await this.hintUsage(userId, now, manager),
          this.config.hintDailyCap,
          now,
        );
        if (wait !== undefined) throw new HintDailyCapError(this.config.hintDailyCap, wait);
        return this.run(taskId, command, { userId, manager });
      }),
    );
    const [level] = events.flatMap((e) =>
      e.event_type === 'task.hint_requested' ? [e.data.level] : [],
    );
    if (level === undefined) throw new Error(`hint request ${hintRequestId} appended no event`);
    return level;
  }

  /** Runs a command for a fact of another service (inside its inbox transaction). */
  async apply(taskId: string, command: TaskCommand, context: CommandContext): Promise<number> {
    return (await this.run(taskId, command, context)).length;
  }

  /**
   * Turns a proposal of task-generation into tasks, a review task keeping the review it was made
   * for. Each task's id derives from the proposal and the item, so a proposal delivered twice
   * creates nothing new.
   */
  async createProposedTasks(
    proposal: EventData<typeof TasksProposed>,
    context: CommandContext & { maxAttempts: number; manager: EntityManager },
  ): Promise<number> {
    let created = 0;
    for (const [index, item] of proposal.tasks.entries()) {
      const taskId = deterministicUuid(`${proposal.proposal_id}:${index}`);
      try {
        created += await this.apply(
          taskId,
          {
            type: 'create',
            maxAttempts: context.maxAttempts,
            task: {
              task_id: taskId,
              path_id: proposal.path_id,
              problem_id: item.problem_id,
              module: item.module,
              topics: item.topics,
              difficulty: item.difficulty,
              order: item.order,
              source: item.source,
              proposal_id: proposal.proposal_id,
              ...(item.review ? { review: item.review } : {}),
              metadata: { reason: item.reason },
            },
          },
          context,
        );
      } catch (error) {
        // Created before (by an earlier delivery, or concurrently): nothing to do.
        if (!(error instanceof ConcurrencyError || error instanceof IllegalTransitionError))
          throw error;
      }
    }
    return created;
  }

  private async hintUsage(userId: string, now: Date, manager: EntityManager): Promise<HintUsage> {
    const [row] = (await manager.query(
      `SELECT count(*)::int AS used, min(requested_at) AS oldest FROM path.hint_requests
        WHERE user_id = $1 AND requested_at > $2`,
      [userId, new Date(now.getTime() - HINT_CAP_WINDOW_MS)],
    )) as { used: number; oldest: Date | null }[];
    return { used: row?.used ?? 0, oldest: row?.oldest ?? null };
  }

  private async run(taskId: string, command: TaskCommand, context: CommandContext) {
    const { events } = await handleCommand(
      this.store,
      this.dataSource,
      taskStream(taskId),
      taskDecider,
      command,
      {
        streamType: 'task',
        userId: context.userId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        manager: context.manager,
        afterAppend: async (appended, manager) => {
          await this.projector.apply(appended, manager);
          await this.taskMetrics.record(taskId, appended, manager);
        },
      },
    );
    return events;
  }
}
