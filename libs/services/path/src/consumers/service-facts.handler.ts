import { Controller, Logger } from '@nestjs/common';
import {
  EvaluationCompleted,
  EvaluationFailed,
  TasksProposed,
  TutorHintDelivered,
  type EnvelopeOf,
  type EventEnvelope,
} from '@studypath/contracts';
import { InjectInbox, type Inbox } from '@studypath/event-store';
import { HandleEvents } from '@studypath/messaging';
import type { EntityManager } from 'typeorm';
import { TaskCommands, type CommandContext } from '../application/task-commands.service';
import { evaluationResultOf } from '../domain/task.decider';
import { PathRepository } from '../projections/path.repository';

export const PATH_CONSUMER_GROUP = 'path-service';

/**
 * The path service turns the other services' facts into task events, each under the task's rules
 * and exactly once (inbox): proposals become tasks, evaluation results become `task.evaluated`
 * and a status change, delivered hints become `task.hint_delivered`.
 */
@Controller()
export class ServiceFactsHandler {
  private readonly logger = new Logger('ServiceFacts');

  constructor(
    @InjectInbox('path') private readonly inbox: Inbox,
    private readonly tasks: TaskCommands,
    private readonly repository: PathRepository,
  ) {}

  @HandleEvents(PATH_CONSUMER_GROUP, [TasksProposed])
  async onTasksProposed(event: EnvelopeOf<typeof TasksProposed>): Promise<void> {
    const proposal = event.data;
    await this.inbox.handleOnce(PATH_CONSUMER_GROUP, event.event_id, async (manager) => {
      const path = await this.repository.findPath(event.user_id, proposal.path_id, manager);
      if (!path || path.status === 'archived') {
        this.logger.log(
          `proposal ${proposal.proposal_id} ignored: path ${proposal.path_id} is ${path?.status ?? 'unknown'}`,
        );
        return;
      }
      await this.tasks.createProposedTasks(proposal, {
        ...context(event, manager),
        maxAttempts: path.config.max_attempts,
        manager,
      });
    });
  }

  @HandleEvents(PATH_CONSUMER_GROUP, [EvaluationCompleted, EvaluationFailed])
  async onEvaluation(
    event: EnvelopeOf<typeof EvaluationCompleted | typeof EvaluationFailed>,
  ): Promise<void> {
    await this.inbox.handleOnce(PATH_CONSUMER_GROUP, event.event_id, (manager) =>
      this.tasks.apply(
        event.data.task_id,
        { type: 'record_evaluation', result: evaluationResultOf(event) },
        context(event, manager),
      ),
    );
  }

  @HandleEvents(PATH_CONSUMER_GROUP, [TutorHintDelivered])
  async onHintDelivered(event: EnvelopeOf<typeof TutorHintDelivered>): Promise<void> {
    const hint = event.data;
    await this.inbox.handleOnce(PATH_CONSUMER_GROUP, event.event_id, (manager) =>
      this.tasks.apply(
        hint.task_id,
        {
          type: 'deliver_hint',
          hintRequestId: hint.hint_request_id,
          level: hint.level,
          content: hint.content,
        },
        context(event, manager),
      ),
    );
  }
}

/** The command context of a fact: its user, and the fact as the cause of what follows. */
function context(event: EventEnvelope, manager: EntityManager): CommandContext {
  return {
    userId: event.user_id,
    correlationId: event.correlation_id,
    causationId: event.event_id,
    manager,
  };
}
