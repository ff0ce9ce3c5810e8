export * from './infra/infrastructure';
export * from './infra/kafka.infra';
export * from './infra/postgres.infra';
export * from './infra/reachability';
export * from './infra/redis.infra';
export * from './infra/test-database';
export * from './process/child-process';
