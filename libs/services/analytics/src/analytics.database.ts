import { eventStoreMigration, type EventStoreTables } from '@studypath/event-store';
import type { ServiceDatabaseOptions } from '@studypath/platform';
import { CreatePathProgress1765200000001 } from './migrations/1765200000001-create-path-progress';
import { PathProgressPeerColumns1765200000002 } from './migrations/1765200000002-path-progress-peer-columns';
import { PathProgressLz41765200000003 } from './migrations/1765200000003-path-progress-lz4';
import { CreateReviewCards1765200000004 } from './migrations/1765200000004-create-review-cards';

/** The analytics service's event store: its append-only log, relayed to its topic. */
export const AnalyticsEventStore: EventStoreTables = { schema: 'analytics', eventsTable: 'events' };

/** The schema the analytics service owns, and the migrations that build it, oldest first. */
export const AnalyticsDatabase: ServiceDatabaseOptions = {
  schema: AnalyticsEventStore.schema,
  migrations: [
    eventStoreMigration(AnalyticsEventStore),
    CreatePathProgress1765200000001,
    PathProgressPeerColumns1765200000002,
    PathProgressLz41765200000003,
    CreateReviewCards1765200000004,
  ],
};
