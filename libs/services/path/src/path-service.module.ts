import { Module } from '@nestjs/common';
import { MessagingModule } from '@studypath/messaging';
import { DatabaseModule } from '@studypath/platform';
import { PathDatabase } from './path.database';

@Module({
  imports: [DatabaseModule.forService(PathDatabase), MessagingModule],
})
export class PathServiceModule {}
