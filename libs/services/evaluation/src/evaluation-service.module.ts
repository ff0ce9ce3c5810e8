import { Logger, Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { APP_CONFIG, type AppConfig } from '@studypath/platform';
import { ProblemBankModule } from '@studypath/problem-bank';
import { CodeRunner, createCodeRunner } from '@studypath/sandbox';
import { EvaluationWorker } from './application/evaluation.worker';
import { EvaluationDatabase, EvaluationEventStore } from './evaluation.database';
import { SubmissionsController } from './http/submissions.controller';

@Module({
  imports: [
    ProblemBankModule.forRoot(),
    EventStoreModule.forService({ database: EvaluationDatabase, eventStore: EvaluationEventStore }),
  ],
  controllers: [SubmissionsController],
  providers: [
    EvaluationWorker,
    {
      provide: CodeRunner,
      inject: [APP_CONFIG],
      // A service process refuses to run submissions it cannot isolate; the embedded process warns.
      useFactory: async (config: AppConfig): Promise<CodeRunner> =>
        createCodeRunner({
          requireIsolation: config.role === 'service',
          logger: new Logger('Sandbox'),
        }),
    },
  ],
})
export class EvaluationServiceModule {}
