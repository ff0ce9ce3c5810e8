import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { PathDatabase, PathEventStore } from './path.database';

@Module({
  imports: [EventStoreModule.forService({ database: PathDatabase, eventStore: PathEventStore })],
})
export class PathServiceModule {}
