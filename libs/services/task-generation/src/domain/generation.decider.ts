import {
  PathArchived,
  PathConfigUpdated,
  PathCreated,
  PathPaused,
  PathResumed,
  TaskCreated,
  TaskStatusChanged,
  type EventData,
  type EventOf,
  type TasksProposed,
  type Track,
} from '@studypath/contracts';
import { assertNever, type Decider } from '@studypath/decider';
import {
  generateTasks,
  initialBatchSize,
  openTask,
  type CatalogProblem,
  type HistoryTask,
} from './generator';

/** The task events that move a path's generation. */
export const GENERATION_INPUTS = [
  PathCreated,
  PathConfigUpdated,
  PathPaused,
  PathResumed,
  PathArchived,
  TaskCreated,
  TaskStatusChanged,
] as const;

export type GenerationFact = EventOf<(typeof GENERATION_INPUTS)[number]>;
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

/** A task of the path as the generator tracks it: the generator's view plus where it came from. */
export interface TrackedTask extends HistoryTask {
  proposalId: string;
  /** Null until the path service's `task.created` for this item is seen. */
  taskId: string | null;
}

export interface PathGeneration {
  status: 'active' | 'paused' | 'archived';
  pathId: string;
  trackId: string;
  config: PathConfig;
  /** The path's event sequence: each outcome and each proposal takes the next tick. */
  clock: number;
  /** Proposals made so far: numbers the next proposal (its id and its generator seed). */
  proposals: number;
  /** Every task proposed, in path order. */
  tasks: TrackedTask[];
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
 * `uuid` makes the proposal ids (the platform's `deterministicUuid`), passed in so that the domain
 * stays free of the platform's I/O.
 */
export function generationDecider(uuid: NameUuid): GenerationDecider {
  function propose(
    path: PathGeneration,
    count: number,
    source: 'initial' | 'adaptive',
    command: GenerationCommand,
  ): GenerationDecision[] {
    const tasks = generateTasks({
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

  function topUp(state: GenerationState, command: GenerationCommand): GenerationDecision[] {
    if (state.status !== 'active') return [];
    const missing = state.config.pending_tasks_ahead - openTasks(state);
    return missing > 0 ? propose(state, missing, 'adaptive', command) : [];
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
        case 'path.paused':
        case 'path.resumed':
        case 'path.archived':
        case 'task.created':
        case 'task.status_changed':
          return topUp(evolve(state, fact), command);
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
    case 'path.paused':
      return { ...state, status: 'paused' };
    case 'path.resumed':
      return { ...state, status: 'active' };
    case 'path.archived':
      return { ...state, status: 'archived' };
    case 'task.created':
      return linked(state, event.data);
    case 'task.status_changed':
      return decided(state, event.data);
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
    clock: 1,
    proposals: 0,
    tasks: [],
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

function proposed(path: PathGeneration, proposal: TasksProposedEvent['data']): PathGeneration {
  const tasks = proposal.tasks.map((task): TrackedTask => ({
    ...openTask(task, path.clock),
    proposalId: proposal.proposal_id,
    taskId: null,
  }));
  return {
    ...path,
    tasks: [...path.tasks, ...tasks],
    clock: path.clock + 1,
    proposals: path.proposals + 1,
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
