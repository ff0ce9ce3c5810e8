export * from './evaluation-service.module';
export * from './evaluation.database';
