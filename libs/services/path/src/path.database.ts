import type { ServiceDatabaseOptions } from '@studypath/platform';

/** The schema the path service owns, and the migrations that build it, oldest first. */
export const PathDatabase: ServiceDatabaseOptions = {
  schema: 'path',
  migrations: [],
};
