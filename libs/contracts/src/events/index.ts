export * from './common.schemas';
export * from './envelope';
export * from './event-catalog';
export * from './event-definition';
export * from './path.events';
export * from './service.events';
