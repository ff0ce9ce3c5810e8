import { Module } from '@nestjs/common';
import { MessagingModule } from '@studypath/messaging';
import { DatabaseModule } from '@studypath/platform';
import { AnalyticsDatabase } from './analytics.database';

@Module({
  imports: [DatabaseModule.forService(AnalyticsDatabase), MessagingModule],
})
export class AnalyticsServiceModule {}
