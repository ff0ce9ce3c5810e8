import { Type } from '@sinclair/typebox';
import { Topics as TopicNames } from '../topics';
import {
  Difficulty,
  DeliveredHintFields,
  EvaluationResultFields,
  FailingTestReport,
  MAX_FAILING_TEST_REPORTS,
  ModuleIdSchema,
  ProblemId,
  ReviewCardState,
  ReviewRatingSchema,
  ReviewTaskInfo,
  TaskSource,
  TopicTags,
  Uuid,
} from './common.schemas';
import { defineEvent, type EventOf } from './event-definition';

const strict = { additionalProperties: false } as const;

export const TasksProposed = defineEvent({
  type: 'generation.tasks_proposed',
  topic: TopicNames.generationEvents,
  version: 2,
  description:
    'Task-generation proposes the next tasks of a path; the path service creates them (version 2 ' +
    'added `review` to a task made for a scheduled review).',
  // Version 1 had no `review`: its data is valid as it is.
  upcasters: { 1: (data) => data },
  schema: Type.Object(
    {
      path_id: Uuid,
      proposal_id: Uuid,
      tasks: Type.Array(
        Type.Object(
          {
            problem_id: ProblemId,
            module: ModuleIdSchema,
            topics: TopicTags,
            difficulty: Difficulty,
            order: Type.Integer({ minimum: 0 }),
            source: TaskSource,
            reason: Type.String({ maxLength: 500 }),
            review: Type.Optional(ReviewTaskInfo),
          },
          strict,
        ),
        { minItems: 1, maxItems: 100 },
      ),
    },
    strict,
  ),
});

export const EvaluationCompleted = defineEvent({
  type: 'evaluation.completed',
  topic: TopicNames.evaluationEvents,
  version: 2,
  description:
    'A submission ran against its hidden tests; or the sandbox failed once more on code past the ' +
    'cap on its free failures, charged as status error with no test run. Version 2 added ' +
    '`failing_tests`: the tests it did not pass as their owner sees them (sample tests with ' +
    'input, expected and actual; hidden tests by index and category only), the first ' +
    `${MAX_FAILING_TEST_REPORTS} by index.`,
  // Version 1 carried no tests: its data is valid as it is.
  upcasters: { 1: (data) => data },
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      ...EvaluationResultFields,
      test_suite_hash: Type.String({ minLength: 1 }),
      failing_tests: Type.Optional(
        Type.Array(FailingTestReport, { maxItems: MAX_FAILING_TEST_REPORTS }),
      ),
    },
    strict,
  ),
});

export const EvaluationFailed = defineEvent({
  type: 'evaluation.failed',
  topic: TopicNames.evaluationEvents,
  description:
    'A submission could not be evaluated (infrastructure); it does not count against the user. ' +
    'Repeated sandbox failures on the same code are free only up to a cap, then ' +
    'evaluation.completed with status error.',
  schema: Type.Object(
    { submission_id: Uuid, task_id: Uuid, path_id: Uuid, reason: Type.String({ maxLength: 2000 }) },
    strict,
  ),
});

export const TutorHintDelivered = defineEvent({
  type: 'tutor.hint_delivered',
  topic: TopicNames.tutorEvents,
  version: 2,
  description:
    'The tutor finished a hint: its whole text and level, who wrote it (an LLM or the built-in ' +
    'tutor), the model, token counts and latency (version 2 added them, all optional).',
  // Version 1 carried the hint only: its data is valid as it is.
  upcasters: { 1: (data) => data },
  schema: Type.Object(
    {
      task_id: Uuid,
      path_id: Uuid,
      ...DeliveredHintFields,
      source: Type.Optional(Type.Union([Type.Literal('llm'), Type.Literal('builtin')])),
      model: Type.Optional(Type.Union([Type.String({ maxLength: 120 }), Type.Null()])),
      prompt_tokens: Type.Optional(Type.Integer({ minimum: 0 })),
      completion_tokens: Type.Optional(Type.Integer({ minimum: 0 })),
      latency_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    strict,
  ),
});

export const ReviewDue = defineEvent({
  type: 'analytics.review_due',
  topic: TopicNames.analyticsEvents,
  description:
    "A card of the learner's review queue is due: task-generation turns it into a review task " +
    '(one per `review_id`). docs/reviews.md has the scheduling.',
  schema: Type.Object(
    {
      ...ReviewTaskInfo.properties,
      path_id: Uuid,
      problem_id: ProblemId,
      module: ModuleIdSchema,
      topics: TopicTags,
      difficulty: Difficulty,
      last_rating: ReviewRatingSchema,
    },
    strict,
  ),
});

export const ReviewCompleted = defineEvent({
  type: 'analytics.review_completed',
  topic: TopicNames.analyticsEvents,
  description:
    'A review task ended: its card was rated from what the learner did and scheduled again ' +
    '(a skipped or expired review is rated again and rescheduled, never dropped).',
  schema: Type.Object(
    {
      review_id: Uuid,
      path_id: Uuid,
      task_id: Uuid,
      problem_id: ProblemId,
      ended: Type.Union([
        Type.Literal('passed'),
        Type.Literal('failed'),
        Type.Literal('skipped'),
        Type.Literal('expired'),
      ]),
      rating: ReviewRatingSchema,
      card_state: ReviewCardState,
      interval_days: Type.Number({ minimum: 0 }),
      next_due_at: Type.String({ format: 'date-time' }),
      scheduling_policy: Type.String({ minLength: 1, maxLength: 40 }),
    },
    strict,
  ),
});

const Mastery = Type.Number({
  minimum: 0,
  maximum: 1,
  description:
    'The expected pass rate over the difficulty ladder 1-5, by the model named in `model`',
});
const Evaluations = Type.Integer({
  minimum: 1,
  description: 'Counted evaluations behind the score so far',
});

export const MasteryUpdated = defineEvent({
  type: 'analytics.mastery_updated',
  topic: TopicNames.analyticsEvents,
  description:
    "A counted evaluation (one that ran) moved the learner's mastery of the task's module and of " +
    'each of its topics. Each carries its new score, so a consumer keeps the latest per path and ' +
    'module or topic. The model is described in docs/progress.md.',
  schema: Type.Object(
    {
      path_id: Uuid,
      task_id: Uuid,
      submission_id: Uuid,
      model: Type.String({ minLength: 1, maxLength: 40 }),
      module: Type.Object(
        { module: ModuleIdSchema, mastery: Mastery, evaluations: Evaluations },
        strict,
      ),
      topics: Type.Array(
        Type.Object(
          {
            topic: Type.String({ minLength: 1, maxLength: 60 }),
            mastery: Mastery,
            evaluations: Evaluations,
          },
          strict,
        ),
        { maxItems: 10 },
      ),
    },
    strict,
  ),
});

export const SERVICE_EVENTS = [
  TasksProposed,
  EvaluationCompleted,
  EvaluationFailed,
  TutorHintDelivered,
  ReviewDue,
  ReviewCompleted,
  MasteryUpdated,
] as const;

/** The event of each service's topic, by the service that publishes it. */
export type GenerationEvent = EventOf<typeof TasksProposed>;
export type EvaluationEvent = EventOf<typeof EvaluationCompleted | typeof EvaluationFailed>;
export type TutorEvent = EventOf<typeof TutorHintDelivered>;
export type AnalyticsEvent = EventOf<
  typeof ReviewDue | typeof ReviewCompleted | typeof MasteryUpdated
>;
