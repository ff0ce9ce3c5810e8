import { Controller } from '@nestjs/common';
import { HandleEvents } from '@studypath/messaging';
import { TUTOR_CONSUMER_GROUP, TutorFacts } from '../application/tutor-facts.service';
import {
  TUTOR_INPUTS,
  TUTOR_SERVICE_FACTS,
  type TutorInput,
  type TutorServiceFact,
} from './tutor-inputs';

/**
 * The tutor-gateway's reaction to the task stream (task contexts kept, hint requests answered)
 * and to the facts of the evaluation and analytics services its context draws on.
 */
@Controller()
export class TaskStreamHandler {
  constructor(private readonly facts: TutorFacts) {}

  @HandleEvents(TUTOR_CONSUMER_GROUP, TUTOR_INPUTS)
  async onTaskEvent(event: TutorInput): Promise<void> {
    await this.facts.apply(event);
  }

  @HandleEvents(TUTOR_CONSUMER_GROUP, TUTOR_SERVICE_FACTS)
  async onServiceFact(event: TutorServiceFact): Promise<void> {
    await this.facts.applyServiceFact(event);
  }
}
