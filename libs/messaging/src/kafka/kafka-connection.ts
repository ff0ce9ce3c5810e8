import { Logger } from '@nestjs/common';
import type { HealthContributor, HealthReport, KafkaConfig } from '@studypath/platform';
import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';

const logger = new Logger('Kafka');

/**
 * The broker's answers that are part of normal operation: a topic just created and not known
 * yet, a leader, controller or group coordinator moving, a group rebalancing, a topic another
 * process created first. kafkajs logs each at ERROR, though whoever sent the request retries or
 * accepts it, and reports for itself if it gives up: kept at debug. Every other error stays an
 * ERROR.
 */
export const TRANSIENT_KAFKA_ERRORS = [
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_CONTROLLER',
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'REBALANCE_IN_PROGRESS',
  'TOPIC_ALREADY_EXISTS',
] as const;

const KAFKA_ERROR_CODES = (
  require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string }[] }
).errorCodes;

/** The messages kafkajs logs for the transient answers (it logs the message, not the type). */
export const TRANSIENT_ANSWERS: ReadonlySet<string> = new Set(
  TRANSIENT_KAFKA_ERRORS.map((type) => {
    const code = KAFKA_ERROR_CODES.find((c) => c.type === type);
    if (!code) throw new Error(`kafkajs has no protocol error ${type}`);
    return code.message;
  }),
);

function logCreator(): (entry: LogEntry) => void {
  return ({ level, log }) => {
    const { message, ...extra } = log;
    // Our producer bounds its retries on purpose (see KafkaBus); duplicates are handled downstream.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const line = Object.keys(extra).length > 0 ? `${message} ${JSON.stringify(extra)}` : message;
    const transient =
      message.startsWith('Response ') && TRANSIENT_ANSWERS.has(String(extra.error ?? ''));
    if (level === logLevel.ERROR && !transient) logger.error(line);
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
