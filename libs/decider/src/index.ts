export * from './application-error';
export * from './decider';
export * from './decider-specification';
