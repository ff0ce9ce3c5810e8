export * from './task-generation-service.module';
export * from './task-generation.database';
