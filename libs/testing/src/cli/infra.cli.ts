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
    const infra = await startInfrastructure(root, (line) => console.error(`[infra] ${line}`));
    if (infra.postgres.source === 'embedded' || infra.redis.source === 'started') {
      console.error(
        '[infra] embedded PostgreSQL and a started redis-server live only as long as this command; press Ctrl-C to stop them',
      );
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      await infra.stop();
      return;
    }
    console.log(`export DATABASE_URL=${infra.postgres.url}`);
    console.log(`export REDIS_URL=${infra.redis.url}`);
    console.log(`export KAFKA_BROKERS=${infra.kafka.brokers.join(',')}`);
  } else if (command === 'down') {
    const { execFileSync } = await import('node:child_process');
    execFileSync('bash', [path.join(root, 'deploy/kafka/kafka.sh'), 'stop'], { stdio: 'inherit' });
  } else {
    console.error('usage: infra.cli.ts up|down');
    process.exit(2);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
