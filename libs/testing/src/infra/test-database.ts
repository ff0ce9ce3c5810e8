import { createHash, randomBytes } from 'node:crypto';
import {
  createServiceDataSource,
  migrateServiceSchema,
  type ServiceDatabaseOptions,
  type ServiceDataSourceOptions,
} from '@studypath/platform';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';

const TEMPLATE_PREFIX = 'sp_tpl_';
const TEST_PREFIX = 'sp_test_';
const silent = { log: (): void => undefined };

export interface TestDatabase {
  name: string;
  url: string;
  /** A migrated DataSource on one service's schema in this database; closed by `drop`. */
  dataSource(options: ServiceDatabaseOptions): Promise<DataSource>;
  drop(): Promise<void>;
}

/** A DataSource on one service's schema, connected, with the service's migrations applied. */
export async function openMigratedDataSource(
  options: ServiceDataSourceOptions,
): Promise<DataSource> {
  const dataSource = createServiceDataSource(options);
  await dataSource.initialize();
  try {
    await migrateServiceSchema(dataSource, silent);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: run integration tests through jest (its global setup finds PostgreSQL)',
    );
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test suite, with the services' real migrations applied. Migrations run
 * once per set of services into a template database; each suite gets a copy of it (fast).
 */
export async function createTestDatabase(
  services: ServiceDatabaseOptions[],
): Promise<TestDatabase> {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(services.map((s) => [s.schema, s.migrations.map((m) => m.name)])))
    .digest('hex')
    .slice(0, 16);
  // Names carry their run (templates) or their birth (copies), so that a run cleans up only what
  // is its own or stale, never a concurrent run's databases.
  const template = `${TEMPLATE_PREFIX}${runId()}_${fingerprint}`;
  const name = `${TEST_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;

  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${template}`);
        for (const service of services) {
          const dataSource = await openMigratedDataSource({
            ...service,
            url: withDatabase(adminUrl(), template),
            poolMax: 2,
            applicationName: 'studypath-test-template',
          });
          await dataSource.destroy();
        }
      }
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });

  const url = withDatabase(adminUrl(), name);
  const open: DataSource[] = [];
  return {
    name,
    url,
    async dataSource(options: ServiceDatabaseOptions): Promise<DataSource> {
      const dataSource = await openMigratedDataSource({
        ...options,
        url,
        poolMax: 10,
        applicationName: 'studypath-test',
      });
      open.push(dataSource);
      return dataSource;
    },
    async drop(): Promise<void> {
      await Promise.all(open.splice(0).map((ds) => ds.destroy()));
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** This test run's id, from the global setup (or the process, outside Jest). */
function runId(): string {
  process.env.STUDYPATH_TEST_RUN ??= Math.floor(Date.now() / 1000).toString(36);
  return process.env.STUDYPATH_TEST_RUN;
}

const STALE_SECONDS = 2 * 3600;

/**
 * Drops what earlier runs left behind: copies born more than two hours ago, and templates of other
 * runs that old (templates are rebuilt each run, so they follow the migrations). A run going on
 * next to this one keeps its databases.
 */
export async function dropLeftoverTestDatabases(): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  return withAdmin(async (admin) => {
    const found = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_PREFIX}%' OR datname LIKE '${TEMPLATE_PREFIX}%'`,
    );
    let dropped = 0;
    for (const { datname } of found.rows) {
      const born = datname.startsWith(TEST_PREFIX)
        ? Number(datname.slice(TEST_PREFIX.length).split('_')[0])
        : parseInt(datname.slice(TEMPLATE_PREFIX.length).split('_')[0] ?? '', 36);
      // Names from before this scheme carry no time: they are leftovers too.
      if (Number.isFinite(born) && now - born < STALE_SECONDS) continue;
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      dropped += 1;
    }
    return dropped;
  });
}
