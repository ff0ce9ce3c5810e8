import { Controller } from '@nestjs/common';
import { HandleEvents } from '@studypath/messaging';
import { TUTOR_CONSUMER_GROUP, TutorFacts } from '../application/tutor-facts.service';
import { TUTOR_INPUTS, type TutorInput } from './tutor-inputs';

/** The tutor-gateway's reaction to the task stream: task contexts kept, hint requests answered. */
@Controller()
export class TaskStreamHandler {
  constructor(private readonly facts: TutorFacts) {}

  @HandleEvents(TUTOR_CONSUMER_GROUP, TUTOR_INPUTS)
  async onTaskEvent(event: TutorInput): Promise<void> {
    await this.facts.apply(event);
  }
}
