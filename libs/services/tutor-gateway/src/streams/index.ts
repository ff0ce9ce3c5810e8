export * from './hint-stream-hub';
export * from './memory.hint-stream-hub';
export * from './redis.hint-stream-hub';
