import { Injectable, Logger } from '@nestjs/common';
import {
  Topics,
  type EvaluationCompleted,
  type EvaluationFailed,
  type EventData,
  type EventEnvelope,
  type TasksProposed,
  type TutorHintDelivered,
} from '@studypath/contracts';
import { InjectInbox, type Inbox } from '@studypath/event-store';
import { HandleEvents } from '@studypath/messaging';
import { TaskCommands } from '../application/task-commands.service';
import { PathRepository } from '../projections/path.repository';

export const PATH_CONSUMER_GROUP = 'path-service';

/**
 * The path service turns the other services' facts into task events, each under the task's rules
 * and exactly once (inbox): proposals become tasks, evaluation results become `task.evaluated`
 * and a status change, delivered hints become `task.hint_delivered`.
 */
@Injectable()
export class ServiceFactsHandler {
  private readonly logger = new Logger('ServiceFacts');

  constructor(
    @InjectInbox('path') private readonly inbox: Inbox,
    private readonly tasks: TaskCommands,
    private readonly repository: PathRepository,
  ) {}

  @HandleEvents({
    group: PATH_CONSUMER_GROUP,
    topic: Topics.generationEvents,
    eventTypes: ['generation.tasks_proposed'],
  })
  async onTasksProposed(event: EventEnvelope): Promise<void> {
    const proposal = event.data as EventData<typeof TasksProposed>;
    await this.inbox.handleOnce(PATH_CONSUMER_GROUP, event.event_id, async (manager) => {
      const path = await this.repository.findPath(event.user_id, proposal.path_id, manager);
      if (!path || path.status === 'archived') {
        this.logger.log(
          `proposal ${proposal.proposal_id} ignored: path ${proposal.path_id} is ${path?.status ?? 'unknown'}`,
        );
        return;
      }
      await this.tasks.createProposedTasks(proposal, {
        userId: event.user_id,
        correlationId: event.correlation_id,
        causationId: event.event_id,
        maxAttempts: path.config.max_attempts,
        manager,
      });
    });
  }

  @HandleEvents({
    group: PATH_CONSUMER_GROUP,
    topic: Topics.evaluationEvents,
    eventTypes: ['evaluation.completed', 'evaluation.failed'],
  })
  async onEvaluation(event: EventEnvelope): Promise<void> {
    await this.inbox.handleOnce(PATH_CONSUMER_GROUP, event.event_id, async (manager) => {
      const context = {
        userId: event.user_id,
        correlationId: event.correlation_id,
        causationId: event.event_id,
        manager,
      };
      if (event.event_type === 'evaluation.completed') {
        const done = event.data as EventData<typeof EvaluationCompleted>;
        const result = {
          submission_id: done.submission_id,
          status: done.status,
          score: done.score,
          passed_tests: done.passed_tests,
          total_tests: done.total_tests,
          runtime_ms: done.runtime_ms,
          memory_kb: done.memory_kb,
        };
        await this.tasks.apply(done.task_id, { type: 'record_evaluation', result }, context);
      } else {
        const failed = event.data as EventData<typeof EvaluationFailed>;
        await this.tasks.apply(
          failed.task_id,
          {
            type: 'record_evaluation',
            result: {
              submission_id: failed.submission_id,
              status: 'infrastructure_error',
              score: 0,
              passed_tests: 0,
              total_tests: 0,
              runtime_ms: null,
              memory_kb: null,
            },
          },
          context,
        );
      }
    });
  }

  @HandleEvents({
    group: PATH_CONSUMER_GROUP,
    topic: Topics.tutorEvents,
    eventTypes: ['tutor.hint_delivered'],
  })
  async onHintDelivered(event: EventEnvelope): Promise<void> {
    const hint = event.data as EventData<typeof TutorHintDelivered>;
    await this.inbox.handleOnce(PATH_CONSUMER_GROUP, event.event_id, (manager) =>
      this.tasks.apply(
        hint.task_id,
        {
          type: 'deliver_hint',
          hintRequestId: hint.hint_request_id,
          level: hint.level,
          content: hint.content,
        },
        {
          userId: event.user_id,
          correlationId: event.correlation_id,
          causationId: event.event_id,
          manager,
        },
      ),
    );
  }
}
