export * from './path-service.module';
export * from './path.database';
export * from './application/path-policies';
