import type { ServiceDatabaseOptions } from '@studypath/platform';

/** The schema the tutor-gateway service owns, and the migrations that build it, oldest first. */
export const TutorGatewayDatabase: ServiceDatabaseOptions = {
  schema: 'tutor_gateway',
  migrations: [],
};
