import { Module } from '@nestjs/common';
import { MessagingModule } from '@studypath/messaging';
import { DatabaseModule } from '@studypath/platform';
import { TutorGatewayDatabase } from './tutor-gateway.database';

@Module({
  imports: [DatabaseModule.forService(TutorGatewayDatabase), MessagingModule],
})
export class TutorGatewayServiceModule {}
