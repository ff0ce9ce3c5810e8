import { Module } from '@nestjs/common';
import { EventStoreModule } from '@studypath/event-store';
import { ConfigError } from '@studypath/platform';
import { ProblemBankModule } from '@studypath/problem-bank';
import { HintStreams } from './application/hint-streams';
import { LLM_TUTOR, Tutor } from './application/tutor';
import { TutorFacts } from './application/tutor-facts.service';
import { LlmTutorClient, loadLlmTutorConfig } from './llm';
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
  providers: [
    TutorRepository,
    TutorFacts,
    Tutor,
    HintStreams,
    {
      // Read while the application is built: a bad TUTOR_LLM_* variable fails the start, named.
      provide: LLM_TUTOR,
      useFactory: (): LlmTutorClient | null => {
        const { llm, problems } = loadLlmTutorConfig(process.env);
        if (problems.length > 0) throw new ConfigError(problems);
        return llm ? new LlmTutorClient(llm, llm.timeouts) : null;
      },
    },
  ],
})
export class TutorGatewayServiceModule {}
