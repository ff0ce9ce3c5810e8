import { eventStoreMigration, type EventStoreTables } from '@studypath/event-store';
import type { ServiceDatabaseOptions } from '@studypath/platform';
import { CreateHints1765500000001 } from './migrations/1765500000001-create-hints';
import { HintsGenerating1765500000002 } from './migrations/1765500000002-hints-generating';
import { SubmissionReportsAndMastery1765500000003 } from './migrations/1765500000003-submission-reports-and-mastery';

/** The tutor-gateway service's event store: its append-only log, relayed to its topic. */
export const TutorGatewayEventStore: EventStoreTables = {
  schema: 'tutor_gateway',
  eventsTable: 'events',
};

/** The schema the tutor-gateway service owns, and the migrations that build it, oldest first. */
export const TutorGatewayDatabase: ServiceDatabaseOptions = {
  schema: TutorGatewayEventStore.schema,
  migrations: [
    eventStoreMigration(TutorGatewayEventStore),
    CreateHints1765500000001,
    HintsGenerating1765500000002,
    SubmissionReportsAndMastery1765500000003,
  ],
};
