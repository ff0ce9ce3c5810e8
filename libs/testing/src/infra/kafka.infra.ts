import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { isPortOpen, MissingInfrastructureError } from './reachability';

const run = promisify(execFile);

export const LOCAL_BROKER_PORT = Number(process.env.KAFKA_PORT ?? 19092);

export interface KafkaHandle {
  brokers: string[];
  source: 'configured' | 'reused' | 'started';
  stop(): Promise<void>;
}

async function anyBrokerAnswers(brokers: string[]): Promise<boolean> {
  for (const broker of brokers) {
    const separator = broker.lastIndexOf(':');
    const host = broker.slice(0, separator).replace(/^\[|\]$/g, '');
    if (await isPortOpen(host, Number(broker.slice(separator + 1)))) return true;
  }
  return false;
}

/**
 * Kafka for tests: KAFKA_BROKERS when it answers; else the local broker from deploy/kafka if one is
 * running already (left running); else that broker started now from Apache Kafka's jars (and stopped
 * by `stop`).
 */
export async function findOrStartKafka(workspaceRoot: string): Promise<KafkaHandle> {
  const configured = process.env.KAFKA_BROKERS;
  if (configured) {
    const brokers = configured.split(',').map((b) => b.trim());
    if (await anyBrokerAnswers(brokers)) {
      return { brokers, source: 'configured', stop: async () => undefined };
    }
    throw new MissingInfrastructureError(
      `Kafka at KAFKA_BROKERS=${configured}`,
      'Start it, fix KAFKA_BROKERS, or unset it to let the tests start a broker from deploy/kafka.',
    );
  }
  const local = [`127.0.0.1:${LOCAL_BROKER_PORT}`];
  if (await anyBrokerAnswers(local)) {
    return { brokers: local, source: 'reused', stop: async () => undefined };
  }
  const script = path.join(workspaceRoot, 'deploy', 'kafka', 'kafka.sh');
  try {
    await run('bash', [script, 'start'], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new MissingInfrastructureError(
      'A Kafka broker',
      `deploy/kafka/kafka.sh start failed (it needs Java 17 and Maven):\n${stderr}`,
    );
  }
  return {
    brokers: local,
    source: 'started',
    stop: async () => {
      await run('bash', [script, 'stop']);
    },
  };
}
