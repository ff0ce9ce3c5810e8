import { Module, type OnApplicationShutdown, type OnModuleInit, Inject } from '@nestjs/common';
import { APP_CONFIG, HealthRegistry, type AppConfig } from '@studypath/platform';
import { KafkaConnection } from './kafka/kafka-connection';

/** Null when the process runs on the in-process bus (embedded mode). */
export const KAFKA_CONNECTION = Symbol('KAFKA_CONNECTION');

class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA_CONNECTION) private readonly kafka: KafkaConnection | null,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.health.register(
      this.kafka ?? {
        healthKey: 'bus',
        checkHealth: async () => ({ up: true, details: { transport: 'in-process' } }),
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka?.close();
  }
}

/**
 * The process's connection to the other services: Kafka when KAFKA_BROKERS is set, the
 * in-process bus otherwise. Imported by every service module; Nest keeps one instance.
 */
@Module({
  providers: [
    {
      provide: KAFKA_CONNECTION,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): KafkaConnection | null =>
        config.kafka ? new KafkaConnection(config.kafka) : null,
    },
    MessagingLifecycle,
  ],
  exports: [KAFKA_CONNECTION],
})
export class MessagingModule {}
