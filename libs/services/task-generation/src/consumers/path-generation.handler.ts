import { Controller } from '@nestjs/common';
import type { EnvelopeOf } from '@studypath/contracts';
import { InjectInbox, type Inbox } from '@studypath/event-store';
import { HandleEvents } from '@studypath/messaging';
import {
  PathGenerationService,
  type GenerationInput,
} from '../application/path-generation.service';
import { GENERATION_INPUTS, REVIEW_INPUTS } from '../domain/generation.decider';

export const GENERATION_CONSUMER_GROUP = 'task-generation';

/**
 * The task-generation service's reaction to the task stream: a new path gets its first week of
 * tasks, and the window of pending tasks is topped up as tasks end or the configuration changes;
 * and to the analytics stream: a due review becomes a review task. Each event moves its path's
 * generation exactly once (inbox), in one transaction with the proposals it makes.
 */
@Controller()
export class PathGenerationHandler {
  constructor(
    @InjectInbox('task_generation') private readonly inbox: Inbox,
    private readonly generation: PathGenerationService,
  ) {}

  @HandleEvents(GENERATION_CONSUMER_GROUP, GENERATION_INPUTS)
  async onTaskEvent(event: GenerationInput): Promise<void> {
    await this.inbox.handleOnce(GENERATION_CONSUMER_GROUP, event.event_id, (manager) =>
      this.generation.apply(event, manager),
    );
  }

  @HandleEvents(GENERATION_CONSUMER_GROUP, REVIEW_INPUTS)
  async onReviewDue(event: EnvelopeOf<(typeof REVIEW_INPUTS)[number]>): Promise<void> {
    await this.inbox.handleOnce(GENERATION_CONSUMER_GROUP, event.event_id, (manager) =>
      this.generation.apply(event, manager),
    );
  }
}
