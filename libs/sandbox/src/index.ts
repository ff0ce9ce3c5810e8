export * from './code-runner';
export * from './comparators';
export * from './create-code-runner';
export * from './interpreters';
export * from './limits';
export * from './local-sandbox';
export * from './seccomp';
export * from './http-code-runner';
export { CHANNEL_TAMPERED, HIDDEN_CATEGORY } from './outcome';
