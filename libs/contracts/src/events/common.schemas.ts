import { Type } from '@sinclair/typebox';
import { GENERATION_POLICY_VERSIONS, SCHEDULING_POLICY_VERSIONS } from '../policies';

export const MODULE_IDS = [
  'arrays-strings',
  'hashing',
  'two-pointers-sliding-window',
  'linked-lists',
  'stacks-queues',
  'binary-search',
  'trees',
  'graphs',
  'heaps',
  'intervals-greedy',
  'backtracking',
  'dynamic-programming',
] as const;
export type ModuleId = (typeof MODULE_IDS)[number];

export const Uuid = Type.String({ format: 'uuid' });
export const ModuleIdSchema = Type.Union(
  MODULE_IDS.map((id) => Type.Literal(id)),
  { description: 'A module of the track' },
);
export const Difficulty = Type.Integer({
  minimum: 1,
  maximum: 5,
  description: '1 (warm-up) to 5 (hard)',
});
export const ProblemId = Type.String({
  minLength: 1,
  maxLength: 120,
  pattern: '^[a-z0-9][a-z0-9-]*$',
});
export const TopicTags = Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 10 });
export const Language = Type.Union([Type.Literal('python'), Type.Literal('javascript')]);
export const TaskSource = Type.Union([
  Type.Literal('initial'),
  Type.Literal('adaptive'),
  Type.Literal('review'),
]);
export const TaskStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('in_progress'),
  Type.Literal('submitted'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('skipped'),
  Type.Literal('expired'),
]);
export const EvaluationStatus = Type.Union([
  Type.Literal('passed'),
  Type.Literal('failed'),
  Type.Literal('error'),
  Type.Literal('timeout'),
  Type.Literal('memory_limit'),
  Type.Literal('syntax_error'),
  Type.Literal('infrastructure_error'),
]);
/** How many levels the hint ladder has (1 to this): each hint asked for climbs one, up to the last. */
export const HINT_LADDER_LEVELS = 3;
export const HintLevel = Type.Integer({ minimum: 1, maximum: HINT_LADDER_LEVELS });

export const PathConfig = Type.Object(
  {
    target_interview_date: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    hours_per_week: Type.Number({ minimum: 1, maximum: 80 }),
    starting_levels: Type.Record(Type.String(), Difficulty),
    personalization_weights: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 10 })),
    pending_tasks_ahead: Type.Integer({ minimum: 1, maximum: 50 }),
    max_attempts: Type.Integer({ minimum: 1, maximum: 10 }),
    expiry_days: Type.Integer({ minimum: 1, maximum: 90 }),
  },
  { additionalProperties: false },
);

/** What an evaluation found, as evaluation.completed reports it and task.evaluated records it. */
export const EvaluationResultFields = {
  submission_id: Uuid,
  status: EvaluationStatus,
  score: Type.Number({ minimum: 0, maximum: 1 }),
  passed_tests: Type.Integer({ minimum: 0 }),
  total_tests: Type.Integer({ minimum: 0 }),
  runtime_ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  memory_kb: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
};

/** The longest text of a reported test (a sample's input, expected, actual, or a message). */
export const MAX_TEST_REPORT_TEXT = 2_000;
/** At most this many failing tests are reported on an evaluation (the first, by index). */
export const MAX_FAILING_TEST_REPORTS = 50;

const TestReportText = Type.Union([Type.String({ maxLength: MAX_TEST_REPORT_TEXT }), Type.Null()]);

/**
 * A test a submission did not pass, as its owner may see it: a sample test with its input,
 * expected and actual values (what the learner's code returned: untrusted text); a hidden test
 * by index, status and a fixed category only, never its input or values.
 */
export const FailingTestReport = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    hidden: Type.Boolean(),
    status: Type.Union([
      Type.Literal('fail'),
      Type.Literal('error'),
      Type.Literal('timeout'),
      Type.Literal('not_run'),
    ]),
    message: TestReportText,
    input: TestReportText,
    expected: TestReportText,
    actual: TestReportText,
  },
  { additionalProperties: false },
);

/** A hint of the ladder as the tutor delivered it (tutor.hint_delivered, task.hint_delivered). */
export const DeliveredHintFields = {
  hint_request_id: Uuid,
  level: HintLevel,
  content: Type.String({ maxLength: 20_000 }),
};

/** A spaced-repetition card's FSRS state (docs/reviews.md). */
export const ReviewCardState = Type.Union([
  Type.Literal('new'),
  Type.Literal('learning'),
  Type.Literal('review'),
  Type.Literal('relearning'),
]);
/** The rating a finished task gives its card, derived from what the learner did (docs/reviews.md). */
export const ReviewRatingSchema = Type.Union([
  Type.Literal('again'),
  Type.Literal('hard'),
  Type.Literal('good'),
  Type.Literal('easy'),
]);
/**
 * What a review task carries of the review it was made for: the review's id (one task per
 * review), the card as it stood, and the scheduling policy that made it due.
 */
export const ReviewTaskInfo = Type.Object(
  {
    review_id: Type.String({ format: 'uuid' }),
    card_state: ReviewCardState,
    due_at: Type.String({ format: 'date-time' }),
    last_interval_days: Type.Number({ minimum: 0 }),
    scheduling_policy: Type.String({ minLength: 1, maxLength: 40 }),
  },
  { additionalProperties: false },
);

/** The policy versions a path runs (docs/reviews.md, "Policies"). */
export const PathPoliciesSchema = Type.Object(
  {
    generation: Type.Union(GENERATION_POLICY_VERSIONS.map((v) => Type.Literal(v))),
    scheduling: Type.Union(SCHEDULING_POLICY_VERSIONS.map((v) => Type.Literal(v))),
  },
  { additionalProperties: false },
);
