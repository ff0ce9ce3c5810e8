import type { ServiceDatabaseOptions } from '@studypath/platform';

/** The schema the task-generation service owns, and the migrations that build it, oldest first. */
export const TaskGenerationDatabase: ServiceDatabaseOptions = {
  schema: 'task_generation',
  migrations: [],
};
