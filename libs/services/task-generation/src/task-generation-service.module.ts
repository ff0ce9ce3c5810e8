import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { ProblemBankModule } from '@studypath/problem-bank';
import { PathGenerationService } from './application/path-generation.service';
import { ProblemCatalog } from './application/problem-catalog';
import { PathGenerationHandler } from './consumers/path-generation.handler';
import { GenerationStateRepository } from './projections/generation-state.repository';
import { TaskGenerationDatabase, TaskGenerationEventStore } from './task-generation.database';

@Module({
  imports: [
    ProblemBankModule.forRoot(),
    EventStoreModule.forService({
      database: TaskGenerationDatabase,
      eventStore: TaskGenerationEventStore,
    }),
  ],
  controllers: [PathGenerationHandler],
  providers: [PathGenerationService, GenerationStateRepository, ProblemCatalog],
})
export class TaskGenerationServiceModule {}
