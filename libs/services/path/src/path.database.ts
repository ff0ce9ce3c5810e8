import { eventStoreMigration, type EventStoreTables } from '@studypath/event-store';
import type { ServiceDatabaseOptions } from '@studypath/platform';
import { CreatePathProjections1764400000001 } from './migrations/1764400000001-create-path-projections';
import { PathPolicies1765300000002 } from './migrations/1765300000002-path-policies';
import { HintRequests1765600000003 } from './migrations/1765600000003-hint-requests';

/** The path service's event store: its append-only log, relayed to its topic. */
export const PathEventStore: EventStoreTables = { schema: 'path', eventsTable: 'task_events' };

/** The schema the path service owns, and the migrations that build it, oldest first. */
export const PathDatabase: ServiceDatabaseOptions = {
  schema: PathEventStore.schema,
  migrations: [
    eventStoreMigration(PathEventStore),
    CreatePathProjections1764400000001,
    PathPolicies1765300000002,
    HintRequests1765600000003,
  ],
};
