import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { TaskSubmitted, type EnvelopeOf } from '@studypath/contracts';
import { BusContext, DeadLetterHeaders, HandleEvents } from '@studypath/messaging';
import { EVALUATION_CONSUMER_GROUP } from '../application/evaluate-submission.usecase';
import { StuckSubmissionsSweeper } from '../application/stuck-submissions.sweeper';

/** The consumer group that reads what the evaluation workers dead-lettered. */
export const EVALUATION_DEAD_LETTERS_GROUP = 'evaluation-dead-letters';

/**
 * Where the sweeper learns of a submission no worker ever recorded: a `task.submitted` the
 * evaluation group dead-lettered before its claim (e.g. its database failed in a way not known to
 * be transient, until the retries ran out). The dead-letter topic is the evaluation service's own
 * record of it, so the service needs nobody else's tables. A message that does not decode cannot
 * be adopted: it is dead-lettered again, to this group's own queue, for an operator.
 */
@Controller()
export class DeadLetteredSubmissionHandler {
  constructor(private readonly sweeper: StuckSubmissionsSweeper) {}

  @HandleEvents(EVALUATION_DEAD_LETTERS_GROUP, [TaskSubmitted], {
    deadLettersOf: EVALUATION_CONSUMER_GROUP,
  })
  async onDeadLettered(
    @Payload() event: EnvelopeOf<typeof TaskSubmitted>,
    @Ctx() context: BusContext,
  ): Promise<void> {
    const why = context.getMessage().headers[DeadLetterHeaders.error] ?? 'no error recorded';
    await this.sweeper.adoptDeadLettered(event, why);
  }
}
