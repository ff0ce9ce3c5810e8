import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { TutorGatewayDatabase, TutorGatewayEventStore } from './tutor-gateway.database';

@Module({
  imports: [
    EventStoreModule.forService({
      database: TutorGatewayDatabase,
      eventStore: TutorGatewayEventStore,
    }),
  ],
})
export class TutorGatewayServiceModule {}
