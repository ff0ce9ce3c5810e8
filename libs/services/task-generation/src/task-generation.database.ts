import { eventStoreMigration, type EventStoreTables } from '@studypath/event-store';
import type { ServiceDatabaseOptions } from '@studypath/platform';
import { CreateGenerationState1764400000002 } from './migrations/1764400000002-create-generation-state';
import { AddGenerationTrack1764400000004 } from './migrations/1764400000004-add-generation-track';
import { AddPendingReviews1765300000001 } from './migrations/1765300000001-add-pending-reviews';
import { AddGenerationPolicy1765400000001 } from './migrations/1765400000001-add-generation-policy';

/** The task-generation service's event store: its append-only log, relayed to its topic. */
export const TaskGenerationEventStore: EventStoreTables = {
  schema: 'task_generation',
  eventsTable: 'events',
};

/** The schema the task-generation service owns, and the migrations that build it, oldest first. */
export const TaskGenerationDatabase: ServiceDatabaseOptions = {
  schema: TaskGenerationEventStore.schema,
  migrations: [
    eventStoreMigration(TaskGenerationEventStore),
    CreateGenerationState1764400000002,
    AddGenerationTrack1764400000004,
    AddPendingReviews1765300000001,
    AddGenerationPolicy1765400000001,
  ],
};
