import { Module } from '@nestjs/common';
import { MessagingModule } from '@studypath/messaging';
import { DatabaseModule } from '@studypath/platform';
import { TaskGenerationDatabase } from './task-generation.database';

@Module({
  imports: [DatabaseModule.forService(TaskGenerationDatabase), MessagingModule],
})
export class TaskGenerationServiceModule {}
