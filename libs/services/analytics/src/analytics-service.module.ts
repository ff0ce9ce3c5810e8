import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { AnalyticsDatabase, AnalyticsEventStore } from './analytics.database';
import { ProgressCache } from './application/progress-cache';
import { RecordProgress } from './application/record-progress.usecase';
import { TaskEventsHandler } from './consumers/task-events.handler';
import { ProgressProjector } from './projections/progress.projector';
import { ProgressRepository } from './projections/progress.repository';

@Module({
  imports: [
    EventStoreModule.forService({ database: AnalyticsDatabase, eventStore: AnalyticsEventStore }),
  ],
  controllers: [TaskEventsHandler],
  providers: [ProgressRepository, ProgressProjector, ProgressCache, RecordProgress],
})
export class AnalyticsServiceModule {}
