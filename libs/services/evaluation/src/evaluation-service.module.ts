import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { EvaluationDatabase, EvaluationEventStore } from './evaluation.database';

@Module({
  imports: [
    EventStoreModule.forService({ database: EvaluationDatabase, eventStore: EvaluationEventStore }),
  ],
})
export class EvaluationServiceModule {}
