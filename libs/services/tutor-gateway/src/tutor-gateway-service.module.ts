import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { ProblemBankModule } from '@studypath/problem-bank';
import { TutorFacts } from './application/tutor-facts.service';
import { TaskStreamHandler } from './consumers/task-stream.handler';
import { HintsController } from './http/hints.controller';
import { TutorRepository } from './projections/tutor.repository';
import { TutorGatewayDatabase, TutorGatewayEventStore } from './tutor-gateway.database';

@Module({
  imports: [
    ProblemBankModule.forRoot(),
    EventStoreModule.forService({
      database: TutorGatewayDatabase,
      eventStore: TutorGatewayEventStore,
    }),
  ],
  controllers: [HintsController, TaskStreamHandler],
  providers: [TutorRepository, TutorFacts],
})
export class TutorGatewayServiceModule {}
