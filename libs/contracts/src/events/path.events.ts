import { Type } from '@sinclair/typebox';
import { ORIGINAL_POLICIES } from '../policies';
import { Topics as TopicNames } from '../topics';
import {
  Difficulty,
  DeliveredHintFields,
  EvaluationResultFields,
  HintLevel,
  Language,
  ModuleIdSchema,
  PathConfig,
  PathPoliciesSchema,
  ProblemId,
  ReviewTaskInfo,
  TaskSource,
  TaskStatus,
  TopicTags,
  Uuid,
} from './common.schemas';
import { defineEvent, type EventOf } from './event-definition';

const topic = TopicNames.taskEvents;
const strict = { additionalProperties: false } as const;
const reason = Type.Optional(Type.String({ maxLength: 500 }));

export const PathCreated = defineEvent({
  type: 'path.created',
  topic,
  version: 2,
  description:
    'A user started a study path on a track (version 2 added `policies`: the versions of task ' +
    'generation and review scheduling the path runs).',
  // A path created before paths recorded their versions runs the original ones.
  upcasters: { 1: (data) => ({ ...data, policies: ORIGINAL_POLICIES }) },
  schema: Type.Object(
    {
      path_id: Uuid,
      track_id: Type.String({ minLength: 1 }),
      config: PathConfig,
      policies: PathPoliciesSchema,
    },
    strict,
  ),
});

export const PathPoliciesChanged = defineEvent({
  type: 'path.policies_changed',
  topic,
  description:
    'An operator moved the path to other versions of task generation and review scheduling ' +
    '(`changed` lists which); what happened before is not replayed.',
  schema: Type.Object(
    {
      path_id: Uuid,
      policies: PathPoliciesSchema,
      changed: Type.Array(Type.Union([Type.Literal('generation'), Type.Literal('scheduling')]), {
        minItems: 1,
      }),
      reason,
    },
    strict,
  ),
});

export const PathConfigUpdated = defineEvent({
  type: 'path.config_updated',
  topic,
  description: "The path's configuration changed; `changed` lists the fields that did.",
  schema: Type.Object(
    { path_id: Uuid, config: PathConfig, changed: Type.Array(Type.String(), { minItems: 1 }) },
    strict,
  ),
});

export const PathPaused = defineEvent({
  type: 'path.paused',
  topic,
  description: 'The user paused the path: no new tasks, no expiry.',
  schema: Type.Object({ path_id: Uuid, reason }, strict),
});

export const PathResumed = defineEvent({
  type: 'path.resumed',
  topic,
  description: 'The user resumed a paused path.',
  schema: Type.Object({ path_id: Uuid }, strict),
});

export const PathArchived = defineEvent({
  type: 'path.archived',
  topic,
  description: 'The path ended; it takes no more changes.',
  schema: Type.Object({ path_id: Uuid, reason }, strict),
});

export const TaskCreated = defineEvent({
  type: 'task.created',
  topic,
  version: 2,
  description:
    'A task joined the path, from a proposal of task-generation (version 2 added `review`: the ' +
    'scheduled review a review task was made for).',
  // Version 1 had no `review`: its data is valid as it is.
  upcasters: { 1: (data) => data },
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      problem_id: ProblemId,
      module: ModuleIdSchema,
      topics: TopicTags,
      difficulty: Difficulty,
      order: Type.Integer({ minimum: 0 }),
      source: TaskSource,
      proposal_id: Uuid,
      review: Type.Optional(ReviewTaskInfo),
      metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    strict,
  ),
});

export const TaskStarted = defineEvent({
  type: 'task.started',
  topic,
  description: 'The user started working on the task.',
  schema: Type.Object({ task_id: Uuid, path_id: Uuid }, strict),
});

export const TaskSubmitted = defineEvent({
  type: 'task.submitted',
  topic,
  description: 'The user submitted code for evaluation.',
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      submission_id: Uuid,
      problem_id: ProblemId,
      language: Language,
      code: Type.String({ minLength: 1, maxLength: 100_000 }),
      attempt: Type.Integer({ minimum: 1 }),
    },
    strict,
  ),
});

export const TaskEvaluated = defineEvent({
  type: 'task.evaluated',
  topic,
  description: 'The evaluation of a submission came back.',
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      ...EvaluationResultFields,
    },
    strict,
  ),
});

export const TaskHintRequested = defineEvent({
  type: 'task.hint_requested',
  topic,
  version: 3,
  description:
    'The user asked for a hint at a level of the hint ladder (version 2 added `level`, version 3 ' +
    "the learner's current code, when the request carried it, for the tutor's context).",
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      hint_request_id: Uuid,
      level: HintLevel,
      // 64 KB of UTF-8 at most (the path service counts the bytes): never more characters.
      code: Type.Optional(Type.String({ maxLength: 65_536 })),
    },
    strict,
  ),
  upcasters: {
    // Version 1 had no ladder: every hint was a first-level nudge.
    1: (data) => ({ ...data, level: 1 }),
    // Version 2 carried no code: its data is valid as it is.
    2: (data) => data,
  },
});

export const TaskHintDelivered = defineEvent({
  type: 'task.hint_delivered',
  topic,
  description: 'The tutor delivered a hint; `content` is what the user saw.',
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      ...DeliveredHintFields,
    },
    strict,
  ),
});

export const TaskStatusChanged = defineEvent({
  type: 'task.status_changed',
  topic,
  description: "The task's status moved, with the reason.",
  schema: Type.Object(
    { task_id: Uuid, path_id: Uuid, from: TaskStatus, to: TaskStatus, reason },
    strict,
  ),
});

export const TaskExpired = defineEvent({
  type: 'task.expired',
  topic,
  description: 'The task was not started within the expiry window.',
  schema: Type.Object({ task_id: Uuid, path_id: Uuid }, strict),
});

export const TaskSkipped = defineEvent({
  type: 'task.skipped',
  topic,
  description: 'The user skipped the task.',
  schema: Type.Object({ task_id: Uuid, path_id: Uuid, reason }, strict),
});

/** The events of a study path's stream (`path-<uuid>`). */
export const PATH_STREAM_EVENTS = [
  PathCreated,
  PathConfigUpdated,
  PathPoliciesChanged,
  PathPaused,
  PathResumed,
  PathArchived,
] as const;

/** The events of a study task's stream (`task-<uuid>`). */
export const TASK_STREAM_EVENTS = [
  TaskCreated,
  TaskStarted,
  TaskSubmitted,
  TaskEvaluated,
  TaskHintRequested,
  TaskHintDelivered,
  TaskStatusChanged,
  TaskExpired,
  TaskSkipped,
] as const;

/** Everything the path service publishes on `studypath.task-events`: both of its streams. */
export const PATH_EVENTS = [...PATH_STREAM_EVENTS, ...TASK_STREAM_EVENTS] as const;

export type PathEvent = EventOf<(typeof PATH_STREAM_EVENTS)[number]>;
export type TaskEvent = EventOf<(typeof TASK_STREAM_EVENTS)[number]>;
/** An event of the task-events topic. */
export type TaskTopicEvent = PathEvent | TaskEvent;
