import './register-paths';
import * as path from 'node:path';
import { startInfrastructure, type Infrastructure } from '../infra/infrastructure';
import { dropLeftoverTestDatabases } from '../infra/test-database';

declare global {
  var __studypathInfrastructure: Infrastructure | undefined;
}

/**
 * Jest global setup of the integration project: finds or starts PostgreSQL, Redis and Kafka and
 * hands their addresses to the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../../../..');
  const infrastructure = await startInfrastructure(root, (line) =>
    process.stdout.write(`\n[infra] ${line}`),
  );
  process.stdout.write('\n');
  process.env.DATABASE_URL = infrastructure.postgres.url;
  process.env.REDIS_URL = infrastructure.redis.url;
  process.env.KAFKA_BROKERS = infrastructure.kafka.brokers.join(',');
  process.env.STUDYPATH_TEST_RUN = Math.floor(Date.now() / 1000).toString(36);
  // The owner of this run's test databases, as long as it lives (see dropLeftoverTestDatabases).
  process.env.STUDYPATH_TEST_RUN_PID = String(process.pid);
  await dropLeftoverTestDatabases();
  globalThis.__studypathInfrastructure = infrastructure;
}
