export * from './llm-text';
export * from './llm-tutor.client';
export * from './llm-tutor.config';
export * from './llm-unavailable.error';
