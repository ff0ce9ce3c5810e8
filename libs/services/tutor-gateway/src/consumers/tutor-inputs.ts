import {
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
