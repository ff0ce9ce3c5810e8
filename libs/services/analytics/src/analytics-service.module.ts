import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { AnalyticsDatabase, AnalyticsEventStore } from './analytics.database';
import { ProgressCache } from './application/progress-cache';
import { ProgressQueries } from './application/progress-queries.service';
import { RecordProgress } from './application/record-progress.usecase';
import { ReviewDueJob } from './application/review-due.job';
import { ReviewQueries } from './application/review-queries.service';
import { ReviewQueue } from './application/review-queue.service';
import { TaskEventsHandler } from './consumers/task-events.handler';
import { ProgressController } from './http/progress.controller';
import { ReviewsController } from './http/reviews.controller';
import { ProgressProjector } from './projections/progress.projector';
import { ProgressRepository } from './projections/progress.repository';
import { ReviewCardRepository } from './projections/review-card.repository';

@Module({
  imports: [
    EventStoreModule.forService({ database: AnalyticsDatabase, eventStore: AnalyticsEventStore }),
  ],
  controllers: [ProgressController, ReviewsController, TaskEventsHandler],
  providers: [
    ProgressRepository,
    ProgressProjector,
    ProgressCache,
    RecordProgress,
    ProgressQueries,
    ReviewCardRepository,
    ReviewQueue,
    ReviewDueJob,
    ReviewQueries,
  ],
})
export class AnalyticsServiceModule {}
