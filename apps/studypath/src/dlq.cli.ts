import { parseArgs } from 'node:util';
import {
  DeadLetterHeaders,
  KafkaBus,
  KafkaConnection,
  KafkaDeadLetterStore,
  MessagingDatabase,
  PostgresDeadLetterStore,
  type DeadLetter,
  type DeadLetterStore,
} from '@studypath/messaging';
import {
  createServiceDataSource,
  loadConfig,
  migrateServiceSchema,
  type AppConfig,
} from '@studypath/platform';
import { databaseUrl } from './cli-database';

const USAGE = `usage: npm run dlq -- <command> [options]

  list    [--group <group>] [--topic <topic>]   dead letters per consumer group and topic
  show    --group <group> --topic <topic> [--limit <n>] [--json]
                                                 the dead letters of one queue, with why they failed
  replay  --group <group> --topic <topic> [--limit <n>]
                                                 sends a queue's pending dead letters back to its
                                                 group, each once (fix their cause first)

On Kafka (KAFKA_BROKERS, KAFKA_NAMESPACE) the queues are the <topic>.dlq.<group> topics. Without
KAFKA_BROKERS, the embedded process's table in PostgreSQL (DATABASE_URL, or the embedded cluster
under STUDYPATH_DATA_DIR, which must be running); the embedded process replays within seconds.
`;

/** The store the configuration points at: Kafka's topics, or the embedded process's table. */
async function openStore(config: AppConfig): Promise<{ store: DeadLetterStore; where: string }> {
  if (config.kafka) {
    const connection = new KafkaConnection(config.kafka);
    const bus = new KafkaBus(connection.kafka, { namespace: config.kafka.namespace });
    const store = new KafkaDeadLetterStore(connection.kafka, bus, {
      onClose: () => connection.close(),
    });
    return { store, where: `Kafka at ${config.kafka.brokers.join(',')}` };
  }
  const url = await databaseUrl(config);
  const dataSource = createServiceDataSource({
    ...MessagingDatabase,
    url,
    poolMax: 2, // the migration holds one connection for its lock
    applicationName: 'studypath-dlq-cli',
  });
  await dataSource.initialize();
  await migrateServiceSchema(dataSource, { log: () => undefined });
  return {
    store: new PostgresDeadLetterStore(dataSource, () => dataSource.destroy()),
    where: `PostgreSQL (${new URL(url).host}, the embedded process's dead letters)`,
  };
}

function describe(letter: DeadLetter): string {
  const h = letter.headers;
  const source = `${h[DeadLetterHeaders.originalTopic] ?? letter.topic}/${h[DeadLetterHeaders.originalPartition] ?? '?'}@${h[DeadLetterHeaders.originalOffset] ?? '?'}`;
  const value = letter.value.length > 400 ? `${letter.value.slice(0, 400)}…` : letter.value;
  return [
    `${letter.id}  key=${letter.key}  ${letter.replayed ? 'replayed' : 'pending'}  event_type=${h.event_type ?? '-'}  event_id=${h.event_id ?? '-'}`,
    `  failed ${h[DeadLetterHeaders.failedAt] ?? '?'} in ${source} after ${h[DeadLetterHeaders.attempts] ?? '?'} attempt(s)`,
    `  ${h[DeadLetterHeaders.errorClass] ?? '?'} ${h[DeadLetterHeaders.errorType] ?? 'Error'}: ${h[DeadLetterHeaders.error] ?? ''}`,
    `  value: ${value}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      group: { type: 'string', short: 'g' },
      topic: { type: 'string', short: 't' },
      limit: { type: 'string', short: 'n' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || !command || !['list', 'show', 'replay'].includes(command)) {
    process.stderr.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    process.stderr.write('--limit must be a positive integer\n');
    process.exit(2);
  }
  if (command !== 'list' && (!values.group || !values.topic)) {
    process.stderr.write(`${command} needs --group and --topic (see: npm run dlq -- list)\n`);
    process.exit(2);
  }

  const { store, where } = await openStore(loadConfig({ role: 'embedded' }));
  try {
    const queue = { group: values.group ?? '', topic: values.topic ?? '' };
    switch (command) {
      case 'list': {
        const queues = await store.list({ group: values.group, topic: values.topic });
        process.stdout.write(`dead letters in ${where}:\n`);
        if (queues.length === 0) process.stdout.write('  none\n');
        for (const q of queues) {
          process.stdout.write(
            `  ${q.group}  ${q.topic}  total ${q.total}  pending ${q.pending}  replayed ${q.replayed}\n`,
          );
        }
        break;
      }
      case 'show': {
        const letters = await store.show(queue, { limit });
        for (const letter of letters) {
          process.stdout.write(
            values.json ? `${JSON.stringify(letter)}\n` : `${describe(letter)}\n\n`,
          );
        }
        if (letters.length === 0)
          process.stdout.write(`no dead letters of ${queue.group} on ${queue.topic}\n`);
        break;
      }
      case 'replay': {
        const replayed = await store.replay(queue, { limit });
        process.stdout.write(
          store instanceof KafkaDeadLetterStore
            ? `replayed ${replayed} dead letter(s) of ${queue.group} to ${queue.topic}\n`
            : `asked the embedded process to replay ${replayed} dead letter(s) of ${queue.group} on ${queue.topic}; it does within seconds while it runs, or at its next start\n`,
        );
        break;
      }
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
