import {
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ALL_TOPICS, TOPIC_PARTITIONS } from '@studypath/contracts';
import {
  APP_CONFIG,
  createServiceDataSource,
  EVENT_TRANSPORT,
  HealthRegistry,
  installTraceContext,
  migrateServiceSchema,
  ProcessMetrics,
  type AppConfig,
  type HealthReport,
} from '@studypath/platform';
import { BusReadiness } from './bus/bus-readiness';
import { MessageBus } from './bus/message-bus';
import type { DeadLetterJournal } from './dead-letters/dead-letter.store';
import { InMemoryDeadLetterStore } from './dead-letters/in-memory-dead-letter.store';
import { MessagingDatabase } from './dead-letters/messaging.database';
import { PostgresDeadLetterStore } from './dead-letters/postgres-dead-letter.store';
import { InProcessBus } from './in-process/in-process.bus';
import { KafkaBus } from './kafka/kafka.bus';
import { readConsumerLag } from './kafka/consumer-lag';
import { KafkaConnection } from './kafka/kafka-connection';
import { EventBusServer } from './nest/event-bus.server';

/** Null when the process runs on the in-process bus (embedded mode). */
export const KAFKA_CONNECTION = Symbol('KAFKA_CONNECTION');

/** Where the in-process bus keeps dead letters; null on Kafka (the dead-letter topics). */
const DEAD_LETTER_JOURNAL = Symbol('DEAD_LETTER_JOURNAL');

interface Journal {
  journal: DeadLetterJournal;
  close: () => Promise<void>;
}

/**
 * The embedded process keeps its dead letters in PostgreSQL (schema `messaging`), so that they
 * outlive the process and `npm run dlq` can list and replay them. Without a database (a test of
 * the messaging module alone), in memory.
 */
async function deadLetterJournal(config: AppConfig): Promise<Journal | null> {
  if (config.kafka) return null;
  if (config.database.kind !== 'url') {
    return { journal: new InMemoryDeadLetterStore(), close: async () => undefined };
  }
  const dataSource = createServiceDataSource({
    ...MessagingDatabase,
    url: config.database.url,
    poolMax: 2,
    applicationName: 'studypath-messaging',
  });
  await dataSource.initialize();
  try {
    await migrateServiceSchema(dataSource, new Logger('Database:messaging'));
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return {
    journal: new PostgresDeadLetterStore(dataSource),
    close: () => dataSource.destroy(),
  };
}

class MessagingLifecycle implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  constructor(
    @Inject(KAFKA_CONNECTION) private readonly kafka: KafkaConnection | null,
    @Inject(DEAD_LETTER_JOURNAL) private readonly journal: Journal | null,
    private readonly bus: MessageBus,
    private readonly health: HealthRegistry,
    private readonly server: EventBusServer,
    private readonly metrics: ProcessMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    installTraceContext();
    this.health.register({ healthKey: 'bus', checkHealth: () => this.checkBus() });
    const { kafka, bus } = this;
    if (kafka && bus instanceof KafkaBus) {
      this.metrics.setConsumerLag(async () => readConsumerLag(await kafka.connectedAdmin(), bus));
    }
    await this.bus.ensureTopics(ALL_TOPICS.map((name) => ({ name, partitions: TOPIC_PARTITIONS })));
  }

  /**
   * The broker (or the in-process bus), and every consumer: one that crashed and is not a member
   * of its group again yet takes no messages, so the bus is down until it is.
   */
  private async checkBus(): Promise<HealthReport> {
    const connection: HealthReport = this.kafka
      ? await this.kafka.checkHealth()
      : { up: true, details: { transport: 'in-process' } };
    const subscriptions = this.bus.subscriptionStatus();
    return {
      up: connection.up && subscriptions.every((s) => s.state !== 'restarting'),
      details: {
        ...connection.details,
        consumers: Object.fromEntries(
          subscriptions.map((s) => [
            s.group,
            {
              state: s.state,
              restarts: s.restarts,
              retrying_partitions: s.retryingPartitions,
              ...(s.lastError === undefined ? {} : { last_error: s.lastError }),
            },
          ]),
        ),
      },
    };
  }

  /**
   * Handlers stop (draining the messages in hand) before the other modules stop their work:
   * Nest would close the transport only after every module's shutdown hooks.
   */
  async onModuleDestroy(): Promise<void> {
    await this.server.close();
  }

  /** After every module stopped its work (subscriptions drained, relays stopped): the producer. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.close();
    await this.kafka?.close();
    await this.journal?.close();
  }
}

/**
 * The process's connection to the other services: the bus (Kafka when KAFKA_BROKERS is set, the
 * in-process bus otherwise), topics created up front, and the transport strategy that serves the
 * @HandleEvents methods (started by `startEventHandlers`, once the application is initialised).
 * Imported by every service module; Nest keeps one instance, so the embedded services share a bus.
 */
@Module({
  providers: [
    {
      provide: KAFKA_CONNECTION,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): KafkaConnection | null =>
        config.kafka ? new KafkaConnection(config.kafka) : null,
    },
    {
      provide: DEAD_LETTER_JOURNAL,
      inject: [APP_CONFIG],
      useFactory: deadLetterJournal,
    },
    {
      provide: MessageBus,
      inject: [KAFKA_CONNECTION, DEAD_LETTER_JOURNAL],
      useFactory: (kafka: KafkaConnection | null, journal: Journal | null): MessageBus =>
        kafka
          ? new KafkaBus(kafka.kafka, {
              defaultPartitions: TOPIC_PARTITIONS,
              namespace: kafka.config.namespace,
            })
          : new InProcessBus(TOPIC_PARTITIONS, { deadLetters: journal?.journal }),
    },
    BusReadiness,
    EventBusServer,
    { provide: EVENT_TRANSPORT, useExisting: EventBusServer },
    MessagingLifecycle,
  ],
  exports: [KAFKA_CONNECTION, MessageBus, BusReadiness, EVENT_TRANSPORT],
})
export class MessagingModule {}
