import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { ProblemBankModule } from '@studypath/problem-bank';
import { PathGenerationHandler } from './application/path-generation.handler';
import { ProblemCatalog } from './application/problem-catalog';
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
  providers: [ProblemCatalog],
})
export class TaskGenerationServiceModule {}
