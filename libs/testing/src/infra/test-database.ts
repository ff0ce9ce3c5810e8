import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
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
    // Held while the template is made and copied: a cleanup never drops it meanwhile.
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${template}`);
        await markOwner(admin, template);
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
      await markOwner(admin, name);
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

/** Who made a test database: the run, and the process that runs it (Jest's main process). */
interface Owner {
  run: string;
  pid: number;
  host: string;
}

function currentOwner(): Owner {
  return {
    run: runId(),
    pid: Number(process.env.STUDYPATH_TEST_RUN_PID ?? process.pid),
    host: hostname(),
  };
}

/** Records the owner in the database's comment, where a later cleanup reads it. */
async function markOwner(admin: Client, database: string): Promise<void> {
  const comment = JSON.stringify(currentOwner()).replace(/'/g, "''");
  await admin.query(`COMMENT ON DATABASE ${database} IS '${comment}'`);
}

function ownerOf(comment: string | null): Owner | undefined {
  try {
    const owner = JSON.parse(comment ?? '') as Partial<Owner>;
    return typeof owner.run === 'string' &&
      typeof owner.pid === 'number' &&
      typeof owner.host === 'string'
      ? (owner as Owner)
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is someone else's.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** A database older than this whose owner cannot be asked is taken for left behind. */
const STALE_SECONDS = 3600;

interface TestDatabaseRow {
  datname: string;
  comment: string | null;
  connections: number;
}

/** When a test database was made (seconds), from its name. */
function bornAt(name: string): number {
  return name.startsWith(TEST_PREFIX)
    ? Number(name.slice(TEST_PREFIX.length).split('_')[0])
    : parseInt(name.slice(TEMPLATE_PREFIX.length).split('_')[0] ?? '', 36);
}

/**
 * Whether no running test process can be using this database: its owner process, on this
 * machine, is gone; or (made elsewhere or before owners were recorded) it is older than an hour.
 * A copy someone is connected to is never left behind.
 */
function isLeftBehind(row: TestDatabaseRow, now: number): boolean {
  const owner = ownerOf(row.comment);
  if (owner && owner.host === hostname()) return !isAlive(owner.pid);
  if (row.connections > 0 && row.datname.startsWith(TEST_PREFIX)) return false;
  const born = bornAt(row.datname);
  // Names from before this scheme carry no time: they are leftovers too.
  return !Number.isFinite(born) || now - born >= STALE_SECONDS;
}

async function testDatabases(admin: Client): Promise<TestDatabaseRow[]> {
  const found = await admin.query<TestDatabaseRow>(
    `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS comment,
            (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datname = d.datname) AS connections
       FROM pg_database d
      WHERE starts_with(d.datname, $1) OR starts_with(d.datname, $2)`,
    [TEST_PREFIX, TEMPLATE_PREFIX],
  );
  return found.rows;
}

/**
 * Drops a test database. A template is dropped only while nobody makes or copies it (under the
 * lock createTestDatabase holds for that; a run that needs it again makes it again).
 */
async function dropTestDatabase(admin: Client, name: string): Promise<boolean> {
  if (!name.startsWith(TEMPLATE_PREFIX)) {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return true;
  }
  const [row] = (
    await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      name,
    ])
  ).rows;
  if (!row?.locked) return false;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return true;
  } finally {
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
  }
}

/**
 * Drops what earlier runs left behind (at the start of a run): test databases and templates that
 * no running test process uses (see isLeftBehind). A run going on next to this one keeps its
 * databases. Returns the names dropped.
 */
export async function dropLeftoverTestDatabases(): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  return withAdmin(async (admin) => {
    const dropped: string[] = [];
    for (const row of await testDatabases(admin)) {
      if (!isLeftBehind(row, now)) continue;
      if (await dropTestDatabase(admin, row.datname)) dropped.push(row.datname);
    }
    return dropped;
  });
}

/**
 * Drops this run's templates, and any copy of this run that a suite did not drop (at the end of
 * a run, once every suite is done). Returns the names dropped.
 */
export async function dropThisRunsTestDatabases(): Promise<string[]> {
  const run = runId();
  return withAdmin(async (admin) => {
    const dropped: string[] = [];
    for (const row of await testDatabases(admin)) {
      if (ownerOf(row.comment)?.run !== run) continue;
      if (await dropTestDatabase(admin, row.datname)) dropped.push(row.datname);
    }
    return dropped;
  });
}
