import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EventData, TasksProposed } from '@studypath/contracts';
import {
  ConcurrencyError,
  handleCommand,
  InjectEventStore,
  type PostgresEventStore,
} from '@studypath/event-store';
import type { DataSource, EntityManager } from 'typeorm';
import { IllegalTransitionError, NotFoundError } from '../domain/domain-errors';
import { taskDecider, type TaskCommand } from '../domain/task.decider';
import { PathProjector } from '../projections/path.projector';
import { PathRepository, type StudyTaskRow } from '../projections/path.repository';
import { deterministicUuid, InjectDataSource } from '@studypath/platform';

export const taskStream = (taskId: string): string => `task-${taskId}`;

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
    private readonly repository: PathRepository,
  ) {}

  /** A user's command on their own task: another user's task is not found. */
  async execute(userId: string, taskId: string, command: TaskCommand): Promise<StudyTaskRow> {
    if (!(await this.repository.findTask(userId, taskId)))
      throw new NotFoundError('study task not found');
    await this.run(taskId, command, { userId });
    return (await this.repository.findTask(userId, taskId)) as StudyTaskRow;
  }

  /** Runs a command for a fact of another service (inside its inbox transaction). */
  async apply(taskId: string, command: TaskCommand, context: CommandContext): Promise<number> {
    return (await this.run(taskId, command, context)).length;
  }

  /**
   * Turns a proposal of task-generation into tasks. Each task's id derives from the proposal and the
   * item, so a proposal delivered twice creates nothing new.
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

  newSubmissionId(): string {
    return randomUUID();
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
        afterAppend: (appended, manager) => this.projector.apply(appended, manager),
      },
    );
    return events;
  }
}
