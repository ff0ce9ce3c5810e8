import { Controller } from '@nestjs/common';
import { TaskSubmitted, type EnvelopeOf } from '@studypath/contracts';
import { HandleEvents } from '@studypath/messaging';
import {
  EVALUATION_CONSUMER_GROUP,
  EvaluateSubmission,
} from '../application/evaluate-submission.usecase';

/**
 * Handling `task.submitted` is the worker pool: the consumer handles up to EVALUATION_CONCURRENCY
 * partitions at once, one submission each.
 */
@Controller()
export class TaskSubmittedHandler {
  constructor(private readonly evaluateSubmission: EvaluateSubmission) {}

  @HandleEvents(EVALUATION_CONSUMER_GROUP, [TaskSubmitted], {
    // The worker pool: one submission per partition, this many partitions at once (per replica).
    partitionConcurrency: (config) => config.evaluation.concurrency,
  })
  async onSubmitted(event: EnvelopeOf<typeof TaskSubmitted>): Promise<void> {
    await this.evaluateSubmission.execute(event);
  }
}
