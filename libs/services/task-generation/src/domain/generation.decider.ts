import {
  PathArchived,
  PathConfigUpdated,
  PathCreated,
  PathPaused,
  PathPoliciesChanged,
  PathResumed,
  ReviewDue,
  TaskCreated,
  TaskStatusChanged,
  type EventData,
  type EventOf,
  type GenerationPolicyVersion,
  type TasksProposed,
  type Track,
} from '@studypath/contracts';
import { assertNever, type Decider } from '@studypath/decider';
import {
  generatorFor,
  initialBatchSize,
  openTask,
  type CatalogProblem,
  type HistoryTask,
} from './generator';

/** The task events that move a path's generation. */
export const GENERATION_INPUTS = [
  PathCreated,
  PathConfigUpdated,
  PathPoliciesChanged,
  PathPaused,
  PathResumed,
  PathArchived,
  TaskCreated,
  TaskStatusChanged,
] as const;

/** The analytics events that move a path's generation: a due review becomes a review task. */
export const REVIEW_INPUTS = [ReviewDue] as const;

export type GenerationFact = EventOf<
  (typeof GENERATION_INPUTS)[number] | (typeof REVIEW_INPUTS)[number]
>;
export type TasksProposedEvent = EventOf<typeof TasksProposed>;

/**
 * The catalog had nothing left that fits the path. Not a stored fact (the contracts have no such
 * event): the service logs it, and it changes no state.
 */
export interface CatalogExhausted {
  event_type: 'generation.catalog_exhausted';
  data: { path_id: string; wanted: number };
}

/** What the generation decides on a fact. */
export type GenerationDecision = TasksProposedEvent | CatalogExhausted;
/** What the generation state folds: the facts it consumed and its own decisions. */
export type GenerationEvent = GenerationFact | GenerationDecision;

/** A fact of the task stream, with what deciding on it needs: nothing is read, time is passed in. */
export interface GenerationCommand {
  fact: GenerationFact;
  /** The path's track (the one it was created on). */
  track: Track;
  /** The problems of the track's modules. */
  catalog: readonly CatalogProblem[];
  /** When the fact occurred: the days to the interview count from here. */
  now: Date;
}

export type PathConfig = EventData<typeof PathCreated>['config'];
type TaskStatus = EventData<typeof TaskStatusChanged>['to'];
/** A due review as `analytics.review_due` states it: the card, its problem and its policy. */
export type DueReview = EventData<typeof ReviewDue>;
/** What a review task carries of its review (`ReviewTaskInfo`). */
type ReviewInfo = NonNullable<TasksProposedEvent['data']['tasks'][number]['review']>;

/** A task of the path as the generator tracks it: the generator's view plus where it came from. */
export interface TrackedTask extends HistoryTask {
  proposalId: string;
  /** Null until the path service's `task.created` for this item is seen. */
  taskId: string | null;
  /** The review a review task was made for (from `analytics.review_due`); absent otherwise. */
  reviewId?: string;
}

export interface PathGeneration {
  status: 'active' | 'paused' | 'archived';
  pathId: string;
  trackId: string;
  config: PathConfig;
  /** The version of task generation the path runs (`path.created`, then `path.policies_changed`). */
  generation: GenerationPolicyVersion;
  /** The path's event sequence: each outcome and each proposal takes the next tick. */
  clock: number;
  /** Proposals made so far: numbers the next proposal (its id and its generator seed). */
  proposals: number;
  /** Every task proposed, in path order. */
  tasks: TrackedTask[];
  /** Due reviews not proposed yet (the path was paused when they came), oldest first. */
  pendingReviews: DueReview[];
}

export type GenerationState = { status: 'none' } | PathGeneration;

/** A name-based (version 5) uuid: the same name always gives the same id. */
export type NameUuid = (name: string) => string;

export interface GenerationDecider extends Decider<
  GenerationCommand,
  GenerationEvent,
  GenerationState
> {
  decide(command: GenerationCommand, state: GenerationState): GenerationDecision[];
}

const OUTCOME: Partial<Record<TaskStatus, HistoryTask['outcome']>> = {
  completed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  expired: 'expired',
};

const DAY_MS = 86_400_000;

/**
 * A path's task generation. A new path gets its first batch at once: enough for the first week at
 * its hours per week on its own track, and at least its window of pending tasks. After every later
 * fact, while the path is active, the window is topped up to `pending_tasks_ahead` open tasks;
 * paused and archived paths get nothing, and resuming or a configuration change tops up under the
 * new settings; the days to the interview count from when the fact occurred. A task's end
 * (completed, failed, skipped or expired) becomes its outcome, once; other statuses change nothing.
 * Each outcome and each proposal takes the next tick of the path's clock, which is how the
 * generator knows their order. `task.created` links a proposed item to its task id. Facts of a
 * path never seen created, of unknown tasks, or repeated (a second `path.created`, a task id seen
 * before, a second end) change nothing. Proposal n of a path has the id
 * uuid(`<path id>:proposal:<n>`) and seeds the generator with `<path id>:<n>`, so the same facts
 * always give the same proposals. When the catalog has nothing left that fits, the decision says
 * so instead of proposing.
 *
 * A due review (`analytics.review_due`) becomes one review task of the card's problem, carrying
 * the review, ordered after the path's tasks, in its own proposal with the id
 * uuid(`<path id>:review:<review id>`) (it takes a tick and a proposal number like any other).
 * Each review is proposed once: the state remembers the reviews proposed, and one seen before
 * (the job ran twice, or redelivery) changes nothing. A paused path keeps its due reviews and
 * gets them when resumed, after its top-up; an archived path, or one never seen created, ignores
 * them. A review task counts in the window as an open task once proposed.
 *
 * The generator is the version the path runs: the one `path.created` names, until a
 * `path.policies_changed` that changes `generation` moves it (tasks proposed before stay as they
 * are; the window is topped up under the new version). `options.generation`, for replays only
 * (`replayGeneration`), runs that version instead whatever the path records.
 *
 * `uuid` makes the proposal ids (the platform's `deterministicUuid`), passed in so that the domain
 * stays free of the platform's I/O.
 */
export function generationDecider(
  uuid: NameUuid,
  options: { generation?: GenerationPolicyVersion } = {},
): GenerationDecider {
  function propose(
    path: PathGeneration,
    count: number,
    source: 'initial' | 'adaptive',
    command: GenerationCommand,
  ): GenerationDecision[] {
    const generate = generatorFor(options.generation ?? path.generation);
    const tasks = generate({
      track: command.track,
      catalog: command.catalog,
      config: path.config,
      history: path.tasks,
      count,
      seed: `${path.pathId}:${path.proposals}`,
      daysToInterview: daysUntil(path.config.target_interview_date, command.now),
      source,
      clock: path.clock,
    });
    if (tasks.length === 0) {
      return [
        {
          event_type: 'generation.catalog_exhausted',
          data: { path_id: path.pathId, wanted: count },
        },
      ];
    }
    const firstOrder = path.tasks.length;
    return [
      {
        event_type: 'generation.tasks_proposed',
        data: {
          path_id: path.pathId,
          proposal_id: uuid(`${path.pathId}:proposal:${path.proposals}`),
          tasks: tasks.map((task, i) => ({ ...task, order: firstOrder + i })),
        },
      },
    ];
  }

  function topUp(path: PathGeneration, command: GenerationCommand): GenerationDecision[] {
    const missing = path.config.pending_tasks_ahead - openTasks(path);
    return missing > 0 ? propose(path, missing, 'adaptive', command) : [];
  }

  /**
   * What an active path gets after a fact: its window topped up, then each review waiting for it,
   * on top of the window (a review is never held back by a full window, nor does it shrink the
   * top-up of the fact that brought it; it counts as an open task from then on).
   */
  function proceed(state: GenerationState, command: GenerationCommand): GenerationDecision[] {
    if (state.status !== 'active') return [];
    const window = topUp(state, command);
    const firstOrder =
      state.tasks.length +
      window.reduce(
        (count, d) =>
          count + (d.event_type === 'generation.tasks_proposed' ? d.data.tasks.length : 0),
        0,
      );
    return [
      ...window,
      ...state.pendingReviews.map((review, i) => reviewProposal(state, review, firstOrder + i)),
    ];
  }

  /** One review task, in a proposal named after its review: the same review, the same proposal. */
  function reviewProposal(
    path: PathGeneration,
    review: DueReview,
    order: number,
  ): TasksProposedEvent {
    return {
      event_type: 'generation.tasks_proposed',
      data: {
        path_id: path.pathId,
        proposal_id: uuid(`${path.pathId}:review:${review.review_id}`),
        tasks: [
          {
            problem_id: review.problem_id,
            module: review.module,
            topics: [...review.topics],
            difficulty: review.difficulty,
            order,
            source: 'review',
            reason: `spaced repetition: due ${review.due_at.slice(0, 10)}`,
            review: reviewInfo(review),
          },
        ],
      },
    };
  }

  return {
    initialState: () => ({ status: 'none' }),

    decide(command, state) {
      const { fact } = command;
      switch (fact.event_type) {
        case 'path.created': {
          if (state.status !== 'none') return [];
          const { config } = fact.data;
          const count = Math.max(
            initialBatchSize(config, command.track),
            config.pending_tasks_ahead,
          );
          return propose(started(fact), count, 'initial', command);
        }
        case 'path.config_updated':
        case 'path.policies_changed':
        case 'path.paused':
        case 'path.resumed':
        case 'path.archived':
        case 'task.created':
        case 'task.status_changed':
        case 'analytics.review_due':
          return proceed(evolve(state, fact), command);
        default:
          return assertNever(fact, 'fact');
      }
    },

    evolve,
  };
}

function evolve(state: GenerationState, event: GenerationEvent): GenerationState {
  if (event.event_type === 'path.created') return state.status === 'none' ? started(event) : state;
  if (state.status === 'none') return state;
  switch (event.event_type) {
    case 'path.config_updated':
      return { ...state, config: event.data.config };
    case 'path.policies_changed':
      return event.data.changed.includes('generation')
        ? { ...state, generation: event.data.policies.generation }
        : state;
    case 'path.paused':
      return { ...state, status: 'paused' };
    case 'path.resumed':
      return { ...state, status: 'active' };
    case 'path.archived':
      return { ...state, status: 'archived', pendingReviews: [] };
    case 'task.created':
      return linked(state, event.data);
    case 'task.status_changed':
      return decided(state, event.data);
    case 'analytics.review_due':
      return awaiting(state, event.data);
    case 'generation.tasks_proposed':
      return proposed(state, event.data);
    case 'generation.catalog_exhausted':
      return state;
    default:
      return assertNever(event, 'event');
  }
}

function started(fact: EventOf<typeof PathCreated>): PathGeneration {
  return {
    status: 'active',
    pathId: fact.data.path_id,
    trackId: fact.data.track_id,
    config: fact.data.config,
    generation: fact.data.policies.generation,
    clock: 1,
    proposals: 0,
    tasks: [],
    pendingReviews: [],
  };
}

/** The proposed item the new task stands for gets its task id; a task id seen before changes nothing. */
function linked(path: PathGeneration, task: EventData<typeof TaskCreated>): PathGeneration {
  if (path.tasks.some((t) => t.taskId === task.task_id)) return path;
  const index = path.tasks.findIndex(
    (t) =>
      t.proposalId === task.proposal_id && t.problemId === task.problem_id && t.taskId === null,
  );
  if (index === -1) return path;
  return { ...path, tasks: replaced(path.tasks, index, { taskId: task.task_id }) };
}

/** A task's end becomes its outcome at the current tick; only the first end of an open task counts. */
function decided(
  path: PathGeneration,
  change: EventData<typeof TaskStatusChanged>,
): PathGeneration {
  const outcome = OUTCOME[change.to];
  const index = path.tasks.findIndex((t) => t.taskId === change.task_id);
  if (!outcome || index === -1 || path.tasks[index]?.outcome !== 'open') return path;
  return {
    ...path,
    tasks: replaced(path.tasks, index, { outcome, decidedAt: path.clock }),
    clock: path.clock + 1,
  };
}

/**
 * A due review waits for the path to be active; an archived path, or a review seen before
 * (proposed or waiting already: the job ran twice, or redelivered), changes nothing.
 */
function awaiting(path: PathGeneration, review: DueReview): PathGeneration {
  const known =
    path.tasks.some((t) => t.reviewId === review.review_id) ||
    path.pendingReviews.some((r) => r.review_id === review.review_id);
  if (path.status === 'archived' || known) return path;
  return { ...path, pendingReviews: [...path.pendingReviews, review] };
}

function proposed(path: PathGeneration, proposal: TasksProposedEvent['data']): PathGeneration {
  const tasks = proposal.tasks.map((task): TrackedTask => ({
    ...openTask(task, path.clock),
    proposalId: proposal.proposal_id,
    taskId: null,
    ...(task.review ? { reviewId: task.review.review_id } : {}),
  }));
  const reviewIds = new Set(tasks.map((t) => t.reviewId));
  return {
    ...path,
    tasks: [...path.tasks, ...tasks],
    clock: path.clock + 1,
    proposals: path.proposals + 1,
    pendingReviews: path.pendingReviews.filter((r) => !reviewIds.has(r.review_id)),
  };
}

/** The review a review task carries: exactly the `ReviewTaskInfo` fields of the due review. */
function reviewInfo(review: DueReview): ReviewInfo {
  return {
    review_id: review.review_id,
    card_state: review.card_state,
    due_at: review.due_at,
    last_interval_days: review.last_interval_days,
    scheduling_policy: review.scheduling_policy,
  };
}

function replaced(
  tasks: readonly TrackedTask[],
  index: number,
  changes: Partial<TrackedTask>,
): TrackedTask[] {
  return tasks.map((task, i) => (i === index ? { ...task, ...changes } : task));
}

function openTasks(path: PathGeneration): number {
  return path.tasks.filter((t) => t.outcome === 'open').length;
}

/** Whole days from `now` to the interview (rounded up), when its date is known. */
function daysUntil(interviewDate: string | null, now: Date): number | null {
  if (!interviewDate) return null;
  return Math.ceil((new Date(`${interviewDate}T00:00:00Z`).getTime() - now.getTime()) / DAY_MS);
}
