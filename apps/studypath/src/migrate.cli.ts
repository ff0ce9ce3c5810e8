import { parseArgs } from 'node:util';
import { AnalyticsDatabase } from '@studypath/analytics-service';
import { SERVICE_NAMES, type ServiceName } from '@studypath/contracts';
import { EvaluationDatabase } from '@studypath/evaluation-service';
import { MessagingDatabase } from '@studypath/messaging';
import { PathDatabase } from '@studypath/path-service';
import {
  createServiceDataSource,
  loadConfig,
  migrateServiceSchema,
  type ServiceDatabaseOptions,
} from '@studypath/platform';
import { TaskGenerationDatabase } from '@studypath/task-generation-service';
import { TutorGatewayDatabase } from '@studypath/tutor-gateway-service';
import type { DataSource } from 'typeorm';
import { databaseUrl } from './cli-database';

/** What can be migrated: each service's schema, and the embedded bus's dead letters. */
const DATABASES: Record<ServiceName | 'messaging', ServiceDatabaseOptions> = {
  path: PathDatabase,
  'task-generation': TaskGenerationDatabase,
  evaluation: EvaluationDatabase,
  'tutor-gateway': TutorGatewayDatabase,
  analytics: AnalyticsDatabase,
  messaging: MessagingDatabase,
};
type Target = keyof typeof DATABASES;
const TARGETS = Object.keys(DATABASES) as Target[];

const USAGE = `usage: npm run migrate [-- <name>...]

Brings the database's schemas up to date, each under the advisory lock the services take when
they migrate at start (a service starting meanwhile waits, then finds its migrations done), one
after the other; stops at the first failure. Names (all by default):

  ${SERVICE_NAMES.join(', ')}
              a service's schema
  messaging   the embedded bus's dead letters; by default only without KAFKA_BROKERS, as the
              processes do (on Kafka, dead letters are topics)

The database is DATABASE_URL (or the embedded cluster under STUDYPATH_DATA_DIR, which must be
running). Exits 0 when every schema named is up to date, 1 when PostgreSQL cannot be reached or
a migration fails, 2 on a wrong name. docs/deployment.md says when to run it.
`;

/** A driver's error as one line: a refused connection to every address is an AggregateError. */
function reason(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(reason).join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The first of the schema's migrations not recorded as applied: the one that failed. */
async function firstPending(
  dataSource: DataSource,
  options: ServiceDatabaseOptions,
): Promise<string | undefined> {
  const rows = (await dataSource
    .query(`SELECT name FROM "${options.schema}".migrations`)
    .catch(() => [])) as { name: string }[];
  const applied = new Set(rows.map((row) => row.name));
  return options.migrations
    .map((migration) => new migration().name ?? migration.name)
    .find((name) => !applied.has(name));
}

async function migrate(targets: Target[], url: string): Promise<void> {
  const where = new URL(url).host;
  const started = Date.now();
  const done: string[] = [];
  let applied = 0;
  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const schemas = targets.map((target) => DATABASES[target].schema);
  print(`migrating ${schemas.length} schema(s) in PostgreSQL at ${where}: ${schemas.join(', ')}`);
  for (const [index, target] of targets.entries()) {
    const options = DATABASES[target];
    const dataSource = createServiceDataSource({
      ...options,
      url,
      poolMax: 2, // the migration holds one connection for its lock
      applicationName: 'studypath-migrate',
    });
    try {
      await dataSource.initialize().catch((error: unknown) => {
        throw new Error(
          `cannot reach PostgreSQL at ${where} (${reason(error)})${done.length === 0 ? ': nothing was migrated' : ''}`,
        );
      });
      const report = await migrateServiceSchema(dataSource, { log: print }).catch(
        async (error: unknown) => {
          const failed = await firstPending(dataSource, options);
          throw new Error(
            `${options.schema}: migration ${failed ?? '(unknown)'} failed: ${reason(error)} (rolled back; the ones before it stay applied)`,
          );
        },
      );
      applied += report.applied.length;
      done.push(options.schema);
    } catch (error) {
      const untouched = schemas.slice(index + 1);
      throw new Error(
        [
          reason(error),
          `up to date: ${done.length > 0 ? done.join(', ') : 'none'}; not attempted: ${untouched.length > 0 ? untouched.join(', ') : 'none'}`,
        ].join('\n'),
      );
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  print(
    `done in ${seconds} s: ${done.length} schema(s) up to date, ${applied > 0 ? `${applied} migration(s) applied` : 'nothing to apply'}`,
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const unknown = positionals.filter((name) => !(TARGETS as string[]).includes(name));
  if (values.help || unknown.length > 0) {
    if (unknown.length > 0) process.stderr.write(`unknown name(s): ${unknown.join(', ')}\n\n`);
    process.stderr.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const config = loadConfig({ role: 'embedded' });
  const byDefault = TARGETS.filter((target) => target !== 'messaging' || !config.kafka);
  // In the order of DATABASES, whatever order they were named in.
  const targets =
    positionals.length > 0 ? TARGETS.filter((t) => positionals.includes(t)) : byDefault;
  await migrate(targets, await databaseUrl(config));
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${reason(error)}\n`);
  process.exit(1);
});
