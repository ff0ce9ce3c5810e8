import { parseArgs } from 'node:util';
import {
  AnalyticsDatabase,
  EventStoreTaskStreamHistory,
  KafkaTaskStreamHistory,
  RebuildProgressUseCase,
  type RebuildProgress,
  type SkippedMessage,
  type TaskStreamHistory,
} from '@studypath/analytics-service';
import { Topics } from '@studypath/contracts';
import { PostgresEventStore } from '@studypath/event-store';
import { KafkaConnection, KafkaTopicReader } from '@studypath/messaging';
import { PathEventStore } from '@studypath/path-service';
import {
  createServiceDataSource,
  loadConfig,
  migrateServiceSchema,
  type AppConfig,
} from '@studypath/platform';
import { SingleBar } from 'cli-progress';
import type { DataSource } from 'typeorm';
import { databaseUrl } from './cli-database';

const USAGE = `usage: npm run projections:rebuild -- <service>

  analytics   rebuilds every analytics read model (analytics.path_progress) from the task
              stream's full history into a fresh table, and swaps it in when caught up; the
              service keeps serving reads (and its consumer keeps going) meanwhile

Where the history comes from: with KAFKA_BROKERS (and KAFKA_NAMESPACE), the task-events topic
from its earliest offsets (it keeps everything: retention.ms=-1); without, the path service's
event store in the same database (the embedded process: DATABASE_URL, or the embedded cluster
under STUDYPATH_DATA_DIR, which must be running). The analytics database is DATABASE_URL (or
the embedded cluster). docs/progress.md, "Rebuild", says how it works.
`;

/** At most this many left-out messages are listed one by one; the rest are counted. */
const SKIPPED_SHOWN = 10;

interface Opened {
  history: TaskStreamHistory;
  where: string;
  close: () => Promise<void>;
}

async function openHistory(
  config: AppConfig,
  url: string,
  onSkipped: (skipped: SkippedMessage) => void,
): Promise<Opened> {
  if (config.kafka) {
    const connection = new KafkaConnection(config.kafka);
    const reader = new KafkaTopicReader(connection.kafka, { namespace: config.kafka.namespace });
    return {
      history: new KafkaTaskStreamHistory(reader, Topics.taskEvents, onSkipped),
      where: `Kafka topic ${config.kafka.namespace ?? ''}${Topics.taskEvents} at ${config.kafka.brokers.join(',')}`,
      close: () => connection.close(),
    };
  }
  const pathData = createServiceDataSource({
    schema: PathEventStore.schema,
    migrations: [],
    url,
    poolMax: 1,
    applicationName: 'studypath-rebuild-history',
  });
  await pathData.initialize();
  const [found] = (await pathData.query(`SELECT to_regclass($1) AS t`, [
    `${PathEventStore.schema}.${PathEventStore.eventsTable}`,
  ])) as { t: string | null }[];
  if (!found?.t) {
    await pathData.destroy();
    throw new Error(
      `no path service event store in ${new URL(url).host} (schema ${PathEventStore.schema}): nothing to rebuild from`,
    );
  }
  return {
    history: new EventStoreTaskStreamHistory(new PostgresEventStore(pathData, PathEventStore)),
    where: `the path service's event store (${PathEventStore.schema}.${PathEventStore.eventsTable})`,
    close: () => pathData.destroy(),
  };
}

async function rebuildAnalytics(config: AppConfig): Promise<void> {
  const url = await databaseUrl(config);
  const analytics: DataSource = createServiceDataSource({
    ...AnalyticsDatabase,
    url,
    poolMax: 2, // the migration holds one connection for its lock
    applicationName: 'studypath-rebuild',
  });
  await analytics.initialize();
  const skipped: SkippedMessage[] = [];
  let skippedCount = 0;
  let opened: Opened | undefined;
  const bar = new SingleBar({
    format:
      'rebuild analytics |{bar}| {percentage}% | {value}/{total} events | {paths} paths | {rate} events/s | ETA {eta_formatted} | {phase}',
    stream: process.stderr,
    noTTYOutput: true, // in CI or a pipe: a line every few seconds instead of a redrawn bar
    notTTYSchedule: 5_000,
    etaBuffer: 50,
    hideCursor: true,
  });
  try {
    opened = await openHistory(config, url, (s) => {
      skippedCount += 1;
      if (skipped.length < SKIPPED_SHOWN) skipped.push(s);
    });
    await migrateServiceSchema(analytics, { log: () => undefined });
    process.stderr.write(`reading the history from ${opened.where}\n`);
    let started = false;
    const show = (p: RebuildProgress): void => {
      const payload = {
        paths: p.paths,
        phase: p.phase,
        rate: p.elapsedMs > 0 ? Math.round((p.events * 1000) / p.elapsedMs) : 0,
      };
      if (!started) {
        started = true;
        bar.start(Math.max(p.total ?? p.events, 1), p.events, payload);
      }
      bar.setTotal(Math.max(p.total ?? 0, p.events, 1));
      bar.update(p.events, payload);
    };
    const result = await new RebuildProgressUseCase(analytics).execute(opened.history, show);
    bar.stop();
    process.stdout.write(
      `rebuilt analytics.path_progress: ${result.paths} paths from ${result.events} events in ${(result.elapsedMs / 1000).toFixed(1)} s (${Math.round((result.events * 1000) / Math.max(result.elapsedMs, 1))} events/s), swapped in\n`,
    );
    if (skippedCount > 0) {
      process.stdout.write(
        `left out ${skippedCount} message(s) that are not valid task-stream events (the live consumer dead-letters them too):\n`,
      );
      for (const s of skipped) process.stdout.write(`  ${s.where}: ${s.reason}\n`);
      if (skippedCount > skipped.length)
        process.stdout.write(`  … and ${skippedCount - skipped.length} more\n`);
    }
  } finally {
    bar.stop();
    await opened?.close();
    await analytics.destroy();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const [command, service] = positionals;
  if (values.help || command !== 'rebuild' || service !== 'analytics') {
    process.stderr.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  await rebuildAnalytics(loadConfig({ role: 'embedded' }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
