export * from './bundled-catalog';
export * from './problem';
export * from './problem-bank.port';
