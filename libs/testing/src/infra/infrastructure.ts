import { findOrStartKafka, type KafkaHandle } from './kafka.infra';
import { findOrStartPostgres, type PostgresHandle } from './postgres.infra';
import { findOrStartRedis, type RedisHandle } from './redis.infra';

export interface Infrastructure {
  postgres: PostgresHandle;
  redis: RedisHandle;
  kafka: KafkaHandle;
  /** Stops what this call started; leaves alone what it found running. */
  stop(): Promise<void>;
}

/** Finds or starts every real server the integration tests use. Throws, naming what is missing. */
export async function startInfrastructure(
  workspaceRoot: string,
  log: (line: string) => void = () => undefined,
): Promise<Infrastructure> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const [postgres, redis] = await Promise.all([
      findOrStartPostgres(workspaceRoot),
      findOrStartRedis(),
    ]);
    started.push(postgres, redis);
    log(`postgres: ${postgres.source} ${redact(postgres.url)}`);
    log(`redis:    ${redis.source} ${redis.url}`);
    const kafka = await findOrStartKafka(workspaceRoot);
    started.push(kafka);
    log(`kafka:    ${kafka.source} ${kafka.brokers.join(',')}`);
    return {
      postgres,
      redis,
      kafka,
      stop: async () => {
        await Promise.allSettled(started.reverse().map((s) => s.stop()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw error;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
