export * from './analytics-service.module';
export * from './analytics.database';
export { RecordProgress } from './application/record-progress.usecase';
export { ProgressCache } from './application/progress-cache';
export { ProgressProjector, type TaskStreamEvent } from './projections/progress.projector';
export { ProgressRepository } from './projections/progress.repository';
export { ProgressReplay, writeReplayed, type ReplayedPath } from './projections/progress-replay';
export type { PeerFigures } from './domain';
