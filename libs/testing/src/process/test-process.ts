import { randomUUID } from 'node:crypto';
import {
  startProcess,
  type ProcessDefinition,
  type RunningProcess,
  type ServiceDatabaseOptions,
} from '@studypath/platform';
import { createTestDatabase, type TestDatabase } from '../infra/test-database';
import { httpCaller, type HttpCall } from './http-call';
import { TEST_AUTH } from './test-token';

/**
 * The environment of a process under test: the Redis and Kafka of the test infrastructure (found
 * by Jest's global setup), any free port, a Kafka namespace of its own so that runs do not see each
 * other's events, and test tokens (`testToken`). `env` adds to it or overrides it.
 */
export function testProcessEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    REDIS_URL: process.env.REDIS_URL,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_NAMESPACE: `t${randomUUID().slice(0, 8)}.`,
    AUTH_HS256_SECRET: TEST_AUTH.secret,
    AUTH_ISSUER: TEST_AUTH.issuer,
    ...env,
  };
}

export interface TestProcess {
  running: RunningProcess;
  db: TestDatabase;
  /** The prefix of the process's Kafka topics, for a test that watches its events. */
  namespace: string;
  /** Calls the process's HTTP API as a user. */
  call: HttpCall;
  /** Shuts the process down, then drops its database. */
  stop(): Promise<void>;
}

/**
 * Starts a process definition in this Jest worker, as `startProcess` does in production, on a fresh
 * database with the migrations of `databases` and the environment of `testProcessEnv(env)`.
 */
export async function startTestProcess(
  definition: ProcessDefinition,
  options: { databases: ServiceDatabaseOptions[]; env?: NodeJS.ProcessEnv },
): Promise<TestProcess> {
  const db = await createTestDatabase(options.databases);
  const env = testProcessEnv({ DATABASE_URL: db.url, ...options.env });
  let running: RunningProcess;
  try {
    running = await startProcess(definition, env);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return {
    running,
    db,
    namespace: env.KAFKA_NAMESPACE ?? '',
    call: httpCaller(running.url),
    async stop(): Promise<void> {
      await running.shutdown();
      await db.drop();
    },
  };
}
