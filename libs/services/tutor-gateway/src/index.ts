export * from './tutor-gateway-service.module';
export * from './tutor-gateway.database';
export * from './domain';
export * from './llm';
export * from './streams';
