import { Logger, Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { APP_CONFIG, isLoopbackHost, type AppConfig } from '@studypath/platform';
import { ProblemBankModule } from '@studypath/problem-bank';
import { CodeRunner, createCodeRunner, HttpCodeRunner } from '@studypath/sandbox';
import { EvaluateSubmission } from './application/evaluate-submission.usecase';
import { StuckSubmissionsSweeper } from './application/stuck-submissions.sweeper';
import { SubmissionQueries } from './application/submission-queries.service';
import { loadSweeperConfig, SWEEPER_CONFIG } from './application/sweeper.config';
import { DeadLetteredSubmissionHandler } from './consumers/dead-lettered-submission.handler';
import { TaskSubmittedHandler } from './consumers/task-submitted.handler';
import { EvaluationDatabase, EvaluationEventStore } from './evaluation.database';
import { SubmissionsController } from './http/submissions.controller';
import { SubmissionFinishedListener } from './projections/submission-finished.listener';
import { TaskEvaluationsRepository } from './projections/task-evaluations.repository';

@Module({
  imports: [
    ProblemBankModule.forRoot(),
    EventStoreModule.forService({ database: EvaluationDatabase, eventStore: EvaluationEventStore }),
  ],
  controllers: [SubmissionsController, TaskSubmittedHandler, DeadLetteredSubmissionHandler],
  providers: [
    TaskEvaluationsRepository,
    EvaluateSubmission,
    SubmissionQueries,
    StuckSubmissionsSweeper,
    { provide: SWEEPER_CONFIG, useFactory: () => loadSweeperConfig(process.env) },
    SubmissionFinishedListener,
    {
      provide: CodeRunner,
      inject: [APP_CONFIG],
      // An external runner when configured; else the local sandbox, which a service process
      // refuses to use without isolation. The embedded process warns instead, as long as it
      // listens on loopback only: reachable from elsewhere, it refuses too.
      useFactory: async (config: AppConfig): Promise<CodeRunner> =>
        config.evaluation.runnerUrl
          ? new HttpCodeRunner({ url: config.evaluation.runnerUrl })
          : createCodeRunner({
              requireIsolation: config.role === 'service',
              exposedAt: isLoopbackHost(config.http.host) ? undefined : config.http.host,
              logger: new Logger('Sandbox'),
            }),
    },
  ],
})
export class EvaluationServiceModule {}
