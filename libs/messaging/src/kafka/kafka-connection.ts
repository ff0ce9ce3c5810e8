import { Logger } from '@nestjs/common';
import type { HealthContributor, HealthReport, KafkaConfig } from '@studypath/platform';
import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';

const logger = new Logger('Kafka');

function logCreator(): (entry: LogEntry) => void {
  return ({ level, log }) => {
    const { message, ...extra } = log;
    // Our producer bounds its retries on purpose (see KafkaBus); duplicates are handled downstream.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const line = Object.keys(extra).length > 0 ? `${message} ${JSON.stringify(extra)}` : message;
    if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };
}

/** One kafkajs client per process, and the admin connection /health uses. */
export class KafkaConnection implements HealthContributor {
  readonly healthKey = 'bus';
  readonly kafka: Kafka;
  private admin: Admin | undefined;

  constructor(readonly config: KafkaConfig) {
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
      logCreator,
    });
  }

  /** A connected admin client, kept for the life of the connection. */
  async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  async checkHealth(): Promise<HealthReport> {
    const admin = await this.connectedAdmin();
    const cluster = await admin.describeCluster();
    return {
      up: cluster.brokers.length > 0,
      details: {
        transport: 'kafka',
        cluster_id: cluster.clusterId,
        brokers: cluster.brokers.map((broker) => `${broker.host}:${broker.port}`),
      },
    };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }
}
