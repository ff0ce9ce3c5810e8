import { eventStoreMigration, type EventStoreTables } from '@studypath/event-store';
import type { ServiceDatabaseOptions } from '@studypath/platform';
import { CreateTaskEvaluations1764400000003 } from './migrations/1764400000003-create-task-evaluations';
import { RecordFailureCauses1764400000005 } from './migrations/1764400000005-record-failure-causes';
import { SweepStuckSubmissions1765000000007 } from './migrations/1765000000007-sweep-stuck-submissions';

/** The evaluation service's event store: its append-only log, relayed to its topic. */
export const EvaluationEventStore: EventStoreTables = {
  schema: 'evaluation',
  eventsTable: 'events',
};

/** The schema the evaluation service owns, and the migrations that build it, oldest first. */
export const EvaluationDatabase: ServiceDatabaseOptions = {
  schema: EvaluationEventStore.schema,
  migrations: [
    eventStoreMigration(EvaluationEventStore),
    CreateTaskEvaluations1764400000003,
    RecordFailureCauses1764400000005,
    SweepStuckSubmissions1765000000007,
  ],
};
