export * from './tutor-gateway-service.module';
export * from './tutor-gateway.database';
