/**
 * Kafka topic names. The trailing number is the contract version: a breaking change to a topic's
 * messages gets a new topic, never a silent change to an existing one.
 */
export const Topics = {
  taskEvents: 'studypath.task-events.v1',
  generationEvents: 'studypath.generation-events.v1',
  evaluationEvents: 'studypath.evaluation-events.v1',
  tutorEvents: 'studypath.tutor-events.v1',
  analyticsEvents: 'studypath.analytics-events.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/**
 * Partitions per topic: the upper bound on consumers of one group working in parallel. Users
 * spread over partitions by key; raising it later reorders nothing already written.
 */
export const TOPIC_PARTITIONS = 6;

/** Retention that keeps every message: Kafka's `retention.ms=-1`. */
export const RETAIN_FOREVER = -1;

/**
 * How long a topic keeps its messages (Kafka's `retention.ms`); a topic not listed keeps the
 * cluster's default. The task-events topic is the full history of every path and task: the
 * analytics read models are rebuilt from it (docs/progress.md, "Rebuild"), so it keeps everything.
 */
const TOPIC_RETENTION_MS: Partial<Record<string, number>> = {
  [Topics.taskEvents]: RETAIN_FOREVER,
};

export function topicRetentionMs(topic: string): number | undefined {
  return TOPIC_RETENTION_MS[topic];
}
