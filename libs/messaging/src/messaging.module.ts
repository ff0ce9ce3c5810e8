import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ALL_TOPICS, TOPIC_PARTITIONS } from '@studypath/contracts';
import {
  APP_CONFIG,
  HealthRegistry,
  installTraceContext,
  type AppConfig,
} from '@studypath/platform';
import { BusReadiness } from './bus/bus-readiness';
import { MessageBus } from './bus/message-bus';
import { InProcessBus } from './in-process/in-process.bus';
import { KafkaBus } from './kafka/kafka.bus';
import { KafkaConnection } from './kafka/kafka-connection';
import { EventHandlersExplorer } from './nest/event-handlers.explorer';

/** Null when the process runs on the in-process bus (embedded mode). */
export const KAFKA_CONNECTION = Symbol('KAFKA_CONNECTION');

class MessagingLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  constructor(
    @Inject(KAFKA_CONNECTION) private readonly kafka: KafkaConnection | null,
    private readonly bus: MessageBus,
    private readonly health: HealthRegistry,
    private readonly explorer: EventHandlersExplorer,
    private readonly readiness: BusReadiness,
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

  /** Handlers subscribe once every module is ready (relays start publishing after this). */
  async onApplicationBootstrap(): Promise<void> {
    await this.explorer.subscribeAll();
    this.readiness.markReady();
  }

  /** After every module stopped its work (subscriptions drained, relays stopped): the producer. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.close();
    await this.kafka?.close();
  }
}

/**
 * The process's connection to the other services: the bus (Kafka when KAFKA_BROKERS is set, the
 * in-process bus otherwise), topics created up front, and @HandleEvents methods subscribed.
 * Imported by every service module; Nest keeps one instance, so the embedded services share a bus.
 */
@Module({
  imports: [DiscoveryModule],
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
    EventHandlersExplorer,
    MessagingLifecycle,
  ],
  exports: [KAFKA_CONNECTION, MessageBus, BusReadiness],
})
export class MessagingModule {}
