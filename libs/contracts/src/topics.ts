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
