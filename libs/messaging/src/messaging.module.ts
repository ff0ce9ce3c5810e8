import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ALL_TOPICS, TOPIC_PARTITIONS } from '@studypath/contracts';
import {
  APP_CONFIG,
  EVENT_TRANSPORT,
  HealthRegistry,
  installTraceContext,
  type AppConfig,
} from '@studypath/platform';
import { BusReadiness } from './bus/bus-readiness';
import { MessageBus } from './bus/message-bus';
import { InProcessBus } from './in-process/in-process.bus';
import { KafkaBus } from './kafka/kafka.bus';
import { KafkaConnection } from './kafka/kafka-connection';
import { EventBusServer } from './nest/event-bus.server';

/** Null when the process runs on the in-process bus (embedded mode). */
export const KAFKA_CONNECTION = Symbol('KAFKA_CONNECTION');

class MessagingLifecycle implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  constructor(
    @Inject(KAFKA_CONNECTION) private readonly kafka: KafkaConnection | null,
    private readonly bus: MessageBus,
    private readonly health: HealthRegistry,
    private readonly server: EventBusServer,
  ) {}

  async onModuleInit(): Promise<void> {
    installTraceContext();
    this.health.register(
      this.kafka ?? {
        healthKey: 'bus',
        checkHealth: async () => ({ up: true, details: { transport: 'in-process' } }),
      },
    );
    await this.bus.ensureTopics(ALL_TOPICS.map((name) => ({ name, partitions: TOPIC_PARTITIONS })));
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
      provide: MessageBus,
      inject: [KAFKA_CONNECTION],
      useFactory: (kafka: KafkaConnection | null): MessageBus =>
        kafka
          ? new KafkaBus(kafka.kafka, {
              defaultPartitions: TOPIC_PARTITIONS,
              namespace: kafka.config.namespace,
            })
          : new InProcessBus(TOPIC_PARTITIONS),
    },
    BusReadiness,
    EventBusServer,
    { provide: EVENT_TRANSPORT, useExisting: EventBusServer },
    MessagingLifecycle,
  ],
  exports: [KAFKA_CONNECTION, MessageBus, BusReadiness, EVENT_TRANSPORT],
})
export class MessagingModule {}
