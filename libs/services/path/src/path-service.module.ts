import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { ProblemBankModule } from '@studypath/problem-bank';
import { PathCommands } from './application/path-commands.service';
import { TaskCommands } from './application/task-commands.service';
import { TaskExpiryJob } from './application/task-expiry.job';
import { TaskMetrics } from './application/task-metrics';
import { TaskQueries } from './application/task-queries.service';
import { ServiceFactsHandler } from './consumers/service-facts.handler';
import { StudyPathsController } from './http/study-paths.controller';
import { StudyTasksController } from './http/study-tasks.controller';
import { PathDatabase, PathEventStore } from './path.database';
import { PathProjector } from './projections/path.projector';
import { PathRepository } from './projections/path.repository';

@Module({
  imports: [
    ProblemBankModule.forRoot(),
    EventStoreModule.forService({ database: PathDatabase, eventStore: PathEventStore }),
  ],
  controllers: [StudyPathsController, StudyTasksController, ServiceFactsHandler],
  providers: [
    PathProjector,
    PathRepository,
    PathCommands,
    TaskCommands,
    TaskMetrics,
    TaskQueries,
    TaskExpiryJob,
  ],
})
export class PathServiceModule {}
