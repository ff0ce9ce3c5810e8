import { Module } from '@nestjs/common';
import { MessagingModule } from '@studypath/messaging';
import { DatabaseModule } from '@studypath/platform';
import { EvaluationDatabase } from './evaluation.database';

@Module({
  imports: [DatabaseModule.forService(EvaluationDatabase), MessagingModule],
})
export class EvaluationServiceModule {}
