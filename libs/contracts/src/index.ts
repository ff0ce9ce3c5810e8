export * from './events';
export * from './services';
export * from './topics';
export * from './asyncapi';
export * from './tracks/tracks';
export * from './exact-json';
export * from './policies';
