import { Logger } from '@nestjs/common';
import { DataSource, type MigrationInterface } from 'typeorm';
import { DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS } from '../config/load-config';

export type MigrationClass = new () => MigrationInterface;

export interface ServiceDatabaseOptions {
  /** The PostgreSQL schema the service owns; its migrations table lives there too. */
  schema: string;
  migrations: MigrationClass[];
}

export interface ServiceDataSourceOptions extends ServiceDatabaseOptions {
  url: string;
  poolMax: number;
  /** Shown in pg_stat_activity, so SRE can tell which process holds a connection. */
  applicationName: string;
  /** See DatabaseConfig; DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS when absent, 0 turns it off. */
  idleInTransactionTimeoutMs?: number;
}

const poolLogger = new Logger('DatabasePool');

/**
 * A TypeORM DataSource scoped to one service's schema. Migrations never run implicitly.
 *
 * The pool rides out a PostgreSQL restart or a lost network: a connection that fails is dropped
 * (the pool's error handler logs it, once per failure, and nothing crashes), the next query opens
 * a new one, waiting at most 5 s for it; TCP keepalive notices a peer that vanished without a
 * word. PostgreSQL itself ends a session left idle inside a transaction (a forgotten transaction
 * holds back the xmin horizon every gap-safe reader of the event log waits on).
 */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  const idleInTransaction =
    options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS;
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    poolErrorHandler: (error: unknown) => {
      poolLogger.warn(
        `${options.applicationName}: a pooled connection failed and was dropped (${error instanceof Error ? error.message : String(error)}); the next query opens a new one`,
      );
    },
    extra: {
      max: options.poolMax,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(idleInTransaction > 0 ? { idle_in_transaction_session_timeout: idleInTransaction } : {}),
    },
  });
}

export interface MigrationReport {
  schema: string;
  applied: string[];
  total: number;
}

/**
 * Brings a service's schema up to date: creates the schema (the migrations table lives in it),
 * then runs the pending migrations in one transaction each, logging progress.
 */
export async function migrateServiceSchema(
  dataSource: DataSource,
  logger: Pick<Logger, 'log'> = new Logger('Migrations'),
): Promise<MigrationReport> {
  const schema = 'schema' in dataSource.options ? dataSource.options.schema : undefined;
  if (!schema) {
    throw new Error('migrateServiceSchema needs a DataSource with a schema');
  }
  // Replicas of one service may start together: one migrates while the others wait.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  let applied: { name: string }[];
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`studypath.migrate.${schema}`]);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    applied = await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`studypath.migrate.${schema}`])
      .finally(() => lock.release());
  }
  for (const migration of applied) {
    logger.log(`${schema}: applied ${migration.name}`);
  }
  const total = dataSource.migrations.length;
  logger.log(
    applied.length > 0
      ? `${schema}: ${applied.length} migration(s) applied, ${total} in all`
      : `${schema}: up to date (${total} migration(s))`,
  );
  return { schema, applied: applied.map((m) => m.name), total };
}
