import { eventStoreMigration, type EventStoreTables } from '@studypath/event-store';
import type { ServiceDatabaseOptions } from '@studypath/platform';

/** The evaluation service's event store: its append-only log, relayed to its topic. */
export const EvaluationEventStore: EventStoreTables = {
  schema: 'evaluation',
  eventsTable: 'events',
};

/** The schema the evaluation service owns, and the migrations that build it, oldest first. */
export const EvaluationDatabase: ServiceDatabaseOptions = {
  schema: EvaluationEventStore.schema,
  migrations: [eventStoreMigration(EvaluationEventStore)],
};
