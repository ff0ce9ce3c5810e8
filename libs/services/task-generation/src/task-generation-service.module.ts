import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { BundledCatalog, ProblemBank } from '@studypath/problem-bank';
import { PathGenerationHandler } from './application/path-generation.handler';
import { ProblemCatalog } from './application/problem-catalog';
import { TaskGenerationDatabase, TaskGenerationEventStore } from './task-generation.database';

@Module({
  imports: [
    EventStoreModule.forService({
      database: TaskGenerationDatabase,
      eventStore: TaskGenerationEventStore,
    }),
  ],
  providers: [
    PathGenerationHandler,
    ProblemCatalog,
    { provide: ProblemBank, useFactory: () => new BundledCatalog() },
  ],
})
export class TaskGenerationServiceModule {}
