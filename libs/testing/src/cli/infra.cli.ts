import * as path from 'node:path';
import { startInfrastructure } from '../infra/infrastructure';

/**
 * `npm run infra:up`: finds or starts PostgreSQL, Redis and Kafka as the tests would, and prints
 * the variables that point a process at them. `npm run infra:down` stops the local Kafka broker.
 */
async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../../../..');
  const command = process.argv[2];
  if (command === 'up') {
    const infra = await startInfrastructure(root, (line) =>
      process.stderr.write(`[infra] ${line}\n`),
    );
    if (infra.postgres.source === 'embedded' || infra.redis.source === 'started') {
      process.stderr.write(
        '[infra] embedded PostgreSQL and a started redis-server live only as long as this command; press Ctrl-C to stop them\n',
      );
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      await infra.stop();
      return;
    }
    process.stdout.write(`export DATABASE_URL=${infra.postgres.url}\n`);
    process.stdout.write(`export REDIS_URL=${infra.redis.url}\n`);
    process.stdout.write(`export KAFKA_BROKERS=${infra.kafka.brokers.join(',')}\n`);
  } else if (command === 'down') {
    const { execFileSync } = await import('node:child_process');
    execFileSync('bash', [path.join(root, 'deploy/kafka/kafka.sh'), 'stop'], { stdio: 'inherit' });
  } else {
    process.stderr.write('usage: infra.cli.ts up|down\n');
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
