import type { ServiceDatabaseOptions } from '@studypath/platform';

/** The schema the evaluation service owns, and the migrations that build it, oldest first. */
export const EvaluationDatabase: ServiceDatabaseOptions = {
  schema: 'evaluation',
  migrations: [],
};
