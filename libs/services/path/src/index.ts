export * from './path-service.module';
export * from './path.database';
