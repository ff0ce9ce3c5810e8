export * from './analytics-service.module';
export * from './analytics.database';
