export * from './builtin-tutor';
export * from './solution-guard';
export * from './test-reports';
export * from './tutor-context';
export * from './tutor.types';
export * from './untrusted-text';
