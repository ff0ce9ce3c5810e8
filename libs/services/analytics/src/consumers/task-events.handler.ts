import { Controller } from '@nestjs/common';
import { PATH_EVENTS, type EnvelopeOf } from '@studypath/contracts';
import { HandleEvents } from '@studypath/messaging';
import { ANALYTICS_CONSUMER_GROUP, RecordProgress } from '../application/record-progress.usecase';

/** The analytics projections read the whole task stream: paths' events and tasks' events. */
@Controller()
export class TaskEventsHandler {
  constructor(private readonly recordProgress: RecordProgress) {}

  @HandleEvents(ANALYTICS_CONSUMER_GROUP, PATH_EVENTS)
  async onTaskStreamEvent(event: EnvelopeOf<(typeof PATH_EVENTS)[number]>): Promise<void> {
    await this.recordProgress.execute(event);
  }
}
