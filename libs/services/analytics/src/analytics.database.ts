import type { ServiceDatabaseOptions } from '@studypath/platform';

/** The schema the analytics service owns, and the migrations that build it, oldest first. */
export const AnalyticsDatabase: ServiceDatabaseOptions = {
  schema: 'analytics',
  migrations: [],
};
