export * from './kafka/kafka-connection';
export * from './messaging.module';
