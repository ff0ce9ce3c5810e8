import { dropThisRunsTestDatabases } from '../infra/test-database';

/**
 * Jest global teardown: drops this run's template databases (and any copy a suite left), then
 * stops the servers the global setup started (and only those).
 */
export default async function globalTeardown(): Promise<void> {
  try {
    if (process.env.DATABASE_URL) await dropThisRunsTestDatabases();
  } finally {
    await globalThis.__studypathInfrastructure?.stop();
    globalThis.__studypathInfrastructure = undefined;
  }
}
