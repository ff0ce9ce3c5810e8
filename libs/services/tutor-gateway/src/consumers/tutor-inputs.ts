import {
  EvaluationCompleted,
  MasteryUpdated,
  TaskCreated,
  TaskEvaluated,
  TaskHintDelivered,
  TaskHintRequested,
  TaskSubmitted,
  type EnvelopeOf,
} from '@studypath/contracts';

/** The task-stream events the tutor-gateway reads. */
export const TUTOR_INPUTS = [
  TaskCreated,
  TaskSubmitted,
  TaskEvaluated,
  TaskHintRequested,
  TaskHintDelivered,
] as const;

export type TutorInput = EnvelopeOf<(typeof TUTOR_INPUTS)[number]>;

/** The other services' facts the tutor's context draws on: failing tests, and mastery. */
export const TUTOR_SERVICE_FACTS = [EvaluationCompleted, MasteryUpdated] as const;

export type TutorServiceFact = EnvelopeOf<(typeof TUTOR_SERVICE_FACTS)[number]>;
