export * from './analytics-service.module';
export * from './analytics.database';
export { RecordProgress } from './application/record-progress.usecase';
export { ProgressCache } from './application/progress-cache';
export {
  RebuildProgressUseCase,
  type HistoryBatch,
  type RebuildProgress,
  type TaskStreamHistory,
} from './application/rebuild-progress.usecase';
export {
  EventStoreTaskStreamHistory,
  KafkaTaskStreamHistory,
  type SkippedMessage,
} from './application/task-stream-history';
export { ProgressProjector, type TaskStreamEvent } from './projections/progress.projector';
export { ProgressRepository } from './projections/progress.repository';
export {
  ProgressReplay,
  ReplayIntoTable,
  writeReplayed,
  type ReplayedPath,
} from './projections/progress-replay';
export type { PeerFigures } from './domain';
