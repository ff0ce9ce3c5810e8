export * from './review-load';
export * from './review-rating';
export * from './scheduling-policy';
export * from './review-queue';
export * from './review-figures';
export * from './review-replay';
