import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { TaskGenerationDatabase, TaskGenerationEventStore } from './task-generation.database';

@Module({
  imports: [
    EventStoreModule.forService({
      database: TaskGenerationDatabase,
      eventStore: TaskGenerationEventStore,
    }),
  ],
})
export class TaskGenerationServiceModule {}
