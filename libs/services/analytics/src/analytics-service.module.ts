import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { AnalyticsDatabase, AnalyticsEventStore } from './analytics.database';

@Module({
  imports: [
    EventStoreModule.forService({ database: AnalyticsDatabase, eventStore: AnalyticsEventStore }),
  ],
})
export class AnalyticsServiceModule {}
