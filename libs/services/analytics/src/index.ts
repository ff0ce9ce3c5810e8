export * from './analytics-service.module';
export * from './analytics.database';
export { RecordProgress } from './application/record-progress.usecase';
export { ProgressCache } from './application/progress-cache';
export { ReviewDueJob } from './application/review-due.job';
export { ReviewQueue } from './application/review-queue.service';
export { ReviewCardRepository } from './projections/review-card.repository';
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
export { replayReviews, type PeerFigures, type ProgressEvent, type ReplayedReview } from './domain';
