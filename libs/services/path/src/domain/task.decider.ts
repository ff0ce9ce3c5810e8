import {
  HINT_LADDER_LEVELS,
  type EvaluationEvent,
  type EventData,
  type TaskCreated,
  type TaskEvaluated,
  type TaskEvent,
  type TaskStatusChanged,
  type TaskSubmitted,
} from '@studypath/contracts';
import { assertNever, type Decider } from '@studypath/decider';
import { HintTooSoonError, IllegalTransitionError, NotFoundError } from './domain-errors';
import { DEFAULT_MAX_ATTEMPTS } from './path-config';

export type TaskStatus = EventData<typeof TaskStatusChanged>['to'];
export type EvaluationResult = Omit<EventData<typeof TaskEvaluated>, 'task_id' | 'path_id'>;
export type Language = EventData<typeof TaskSubmitted>['language'];

export type { TaskEvent };

/**
 * A task event as the decider folds it: read from the store it carries when it happened, which the
 * hint rules need. An event without a time (built by hand) limits no later hint.
 */
export type TaskHistoryEvent = TaskEvent & { occurred_at?: string };

/**
 * A hint request not delivered within this long no longer blocks the next one: a tutor that lost
 * it (or never answers) must not lock the task's hints forever.
 */
export const HINT_IN_FLIGHT_TIMEOUT_MS = 60_000;
/** The least time between two hint requests on one task, counted from the last request. */
export const HINT_MIN_INTERVAL_MS = 10_000;

export type TaskCommand =
  | { type: 'create'; task: EventData<typeof TaskCreated>; maxAttempts: number }
  | { type: 'start' }
  | { type: 'skip'; reason?: string }
  | { type: 'submit'; submissionId: string; language: Language; code: string }
  | { type: 'record_evaluation'; result: EvaluationResult }
  | { type: 'request_hint'; hintRequestId: string; now: Date; code?: string }
  | { type: 'deliver_hint'; hintRequestId: string; level: number; content: string }
  | { type: 'expire'; now: Date; expiryDays: number; createdAt: Date };

export interface ExistingTask {
  status: TaskStatus;
  taskId: string;
  pathId: string;
  problemId: string;
  attempts: number;
  maxAttempts: number;
  hintsRequested: number;
  /** The submission being evaluated, while the task is `submitted`. */
  pendingSubmissionId: string | null;
  evaluatedSubmissions: readonly string[];
  deliveredHints: readonly string[];
  /** The task's latest hint request; `requestedAt` (epoch ms) is null when its time is unknown. */
  lastHintRequest: { id: string; level: number; requestedAt: number | null } | null;
}

export type TaskState = { status: 'none' } | ExistingTask;

const TERMINAL: readonly TaskStatus[] = ['completed', 'failed', 'skipped', 'expired'];

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.includes(status);
}

/** The attempts a task allows, as its creation recorded them (the default for tasks that did not). */
export function maxAttemptsOf(created: EventData<typeof TaskCreated>): number {
  return Number(created.metadata?.max_attempts ?? DEFAULT_MAX_ATTEMPTS);
}

/** An evaluation that could not run (the runner's fault, never the user's) is not an attempt. */
export function countsAsAttempt(status: EvaluationResult['status']): boolean {
  return status !== 'infrastructure_error';
}

/** What an evaluation service's fact says of a submission; one that could not run is an infrastructure error. */
export function evaluationResultOf(event: EvaluationEvent): EvaluationResult {
  switch (event.event_type) {
    case 'evaluation.completed': {
      const { submission_id, status, score, passed_tests, total_tests, runtime_ms, memory_kb } =
        event.data;
      return { submission_id, status, score, passed_tests, total_tests, runtime_ms, memory_kb };
    }
    case 'evaluation.failed':
      return {
        submission_id: event.data.submission_id,
        status: 'infrastructure_error',
        score: 0,
        passed_tests: 0,
        total_tests: 0,
        runtime_ms: null,
        memory_kb: null,
      };
    default:
      return assertNever(event, 'event');
  }
}

function existing(state: TaskState): ExistingTask {
  if (state.status === 'none') throw new NotFoundError('study task not found');
  return state;
}

function illegal(action: string, task: ExistingTask): never {
  throw new IllegalTransitionError(`cannot ${action} a task that is ${task.status}`, {
    current_status: task.status,
  });
}

function change(task: ExistingTask, to: TaskStatus, reason: string): TaskEvent {
  return {
    event_type: 'task.status_changed',
    data: { task_id: task.taskId, path_id: task.pathId, from: task.status, to, reason },
  };
}

const ids = (task: ExistingTask) => ({ task_id: task.taskId, path_id: task.pathId });

/** Refuses a hint request the ladder or the task's pending hint does not allow (see taskDecider). */
function checkHintRequest(task: ExistingTask, now: Date): void {
  if (task.hintsRequested >= HINT_LADDER_LEVELS) {
    throw new IllegalTransitionError(`no hint beyond level ${HINT_LADDER_LEVELS}`, {
      hints_requested: task.hintsRequested,
    });
  }
  const last = task.lastHintRequest;
  if (!last || last.requestedAt === null) return;
  const elapsed = Math.max(0, now.getTime() - last.requestedAt);
  if (!task.deliveredHints.includes(last.id) && elapsed < HINT_IN_FLIGHT_TIMEOUT_MS) {
    throw new IllegalTransitionError(
      `hint ${last.id} (level ${last.level}) of this task is still being prepared; follow it at /v1/hints/${last.id}/stream`,
      { pending_hint_id: last.id, level: last.level },
    );
  }
  if (elapsed < HINT_MIN_INTERVAL_MS) {
    const retryAt = new Date(last.requestedAt + HINT_MIN_INTERVAL_MS);
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
    throw new HintTooSoonError(
      `at most one hint every ${HINT_MIN_INTERVAL_MS / 1000} s on a task: ask again in ${retryAfterSeconds} s (at ${retryAt.toISOString()})`,
      retryAfterSeconds,
    );
  }
}

/**
 * A study task's rules. pending → in_progress → submitted → completed | failed, plus skipped and
 * expired. One submission is evaluated at a time; a wrong answer reopens the task until it passes,
 * is skipped, or uses up its attempts (then it fails). Submitting a pending task starts it. An
 * infrastructure failure of the evaluation does not count as an attempt.
 *
 * Hints climb a ladder of HINT_LADDER_LEVELS (3) levels, one level per request; after the last,
 * a request is refused (409). One hint is in flight per task: a request whose hint was not
 * delivered refuses the next (409) until it is delivered or HINT_IN_FLIGHT_TIMEOUT_MS (60 s) have
 * passed since it was asked. Requests on a task are at least HINT_MIN_INTERVAL_MS (10 s) apart
 * (429 with the seconds left). A request is recorded at the command's `now`.
 */
export const taskDecider: Decider<TaskCommand, TaskHistoryEvent, TaskState> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'create':
        if (state.status !== 'none') throw new IllegalTransitionError('the task exists already');
        return [
          {
            event_type: 'task.created',
            data: {
              ...command.task,
              metadata: { ...command.task.metadata, max_attempts: command.maxAttempts },
            },
          },
        ];

      case 'start': {
        const task = existing(state);
        if (task.status !== 'pending') illegal('start', task);
        return [
          { event_type: 'task.started', data: ids(task) },
          change(task, 'in_progress', 'started by the user'),
        ];
      }

      case 'skip': {
        const task = existing(state);
        if (task.status !== 'pending' && task.status !== 'in_progress') illegal('skip', task);
        return [
          {
            event_type: 'task.skipped',
            data: { ...ids(task), ...(command.reason ? { reason: command.reason } : {}) },
          },
          change(task, 'skipped', command.reason ?? 'skipped by the user'),
        ];
      }

      case 'submit': {
        const task = existing(state);
        if (task.status === 'submitted') {
          throw new IllegalTransitionError(
            'the previous submission of this task is still being evaluated',
            {
              current_status: task.status,
            },
          );
        }
        if (task.status !== 'pending' && task.status !== 'in_progress') illegal('submit', task);
        const events: TaskEvent[] = [];
        let current = task;
        if (task.status === 'pending') {
          events.push(
            { event_type: 'task.started', data: ids(task) },
            change(task, 'in_progress', 'first submission'),
          );
          current = { ...task, status: 'in_progress' };
        }
        events.push(
          {
            event_type: 'task.submitted',
            data: {
              ...ids(task),
              submission_id: command.submissionId,
              problem_id: task.problemId,
              language: command.language,
              code: command.code,
              attempt: task.attempts + 1,
            },
          },
          change(
            current,
            'submitted',
            `attempt ${task.attempts + 1} of ${task.maxAttempts} submitted`,
          ),
        );
        return events;
      }

      case 'record_evaluation': {
        const task = existing(state);
        const { submission_id: submissionId } = command.result;
        // A duplicate or stale result (redelivery, or a retried evaluation) changes nothing.
        if (
          task.pendingSubmissionId !== submissionId ||
          task.evaluatedSubmissions.includes(submissionId)
        )
          return [];
        const evaluated: TaskEvent = {
          event_type: 'task.evaluated',
          data: { ...ids(task), ...command.result },
        };
        if (command.result.status === 'passed') {
          return [evaluated, change(task, 'completed', 'all tests passed')];
        }
        if (!countsAsAttempt(command.result.status)) {
          return [
            evaluated,
            change(
              task,
              'in_progress',
              'the evaluation could not run; this attempt does not count',
            ),
          ];
        }
        if (task.attempts >= task.maxAttempts) {
          return [evaluated, change(task, 'failed', `no attempts left (${task.maxAttempts} used)`)];
        }
        return [
          evaluated,
          change(
            task,
            'in_progress',
            `attempt ${task.attempts} of ${task.maxAttempts} did not pass`,
          ),
        ];
      }

      case 'request_hint': {
        const task = existing(state);
        if (isTerminal(task.status)) illegal('ask for a hint on', task);
        checkHintRequest(task, command.now);
        return [
          {
            event_type: 'task.hint_requested',
            data: {
              ...ids(task),
              hint_request_id: command.hintRequestId,
              level: task.hintsRequested + 1,
              ...(command.code === undefined ? {} : { code: command.code }),
            },
            occurred_at: command.now.toISOString(),
          },
        ];
      }

      case 'deliver_hint': {
        const task = existing(state);
        if (task.deliveredHints.includes(command.hintRequestId)) return [];
        return [
          {
            event_type: 'task.hint_delivered',
            data: {
              ...ids(task),
              hint_request_id: command.hintRequestId,
              level: command.level,
              content: command.content,
            },
          },
        ];
      }

      case 'expire': {
        const task = existing(state);
        if (task.status !== 'pending') return [];
        const due = command.createdAt.getTime() + command.expiryDays * 86_400_000;
        if (command.now.getTime() < due) return [];
        return [
          { event_type: 'task.expired', data: ids(task) },
          change(task, 'expired', `not started within ${command.expiryDays} day(s)`),
        ];
      }

      default:
        return assertNever(command, 'command');
    }
  },

  evolve(state, event) {
    if (event.event_type === 'task.created') {
      return {
        status: 'pending',
        taskId: event.data.task_id,
        pathId: event.data.path_id,
        problemId: event.data.problem_id,
        attempts: 0,
        maxAttempts: maxAttemptsOf(event.data),
        hintsRequested: 0,
        pendingSubmissionId: null,
        evaluatedSubmissions: [],
        deliveredHints: [],
        lastHintRequest: null,
      };
    }
    if (state.status === 'none') return state;
    switch (event.event_type) {
      case 'task.started':
      case 'task.skipped':
      case 'task.expired':
        return state; // the status moves with the task.status_changed that follows
      case 'task.status_changed':
        return { ...state, status: event.data.to };
      case 'task.submitted':
        return {
          ...state,
          attempts: event.data.attempt,
          pendingSubmissionId: event.data.submission_id,
        };
      case 'task.evaluated':
        return {
          ...state,
          pendingSubmissionId: null,
          evaluatedSubmissions: [...state.evaluatedSubmissions, event.data.submission_id],
          attempts: countsAsAttempt(event.data.status) ? state.attempts : state.attempts - 1,
        };
      case 'task.hint_requested':
        return {
          ...state,
          hintsRequested: state.hintsRequested + 1,
          lastHintRequest: {
            id: event.data.hint_request_id,
            level: event.data.level,
            requestedAt: event.occurred_at ? Date.parse(event.occurred_at) : null,
          },
        };
      case 'task.hint_delivered':
        return { ...state, deliveredHints: [...state.deliveredHints, event.data.hint_request_id] };
      default:
        return assertNever(event, 'event');
    }
  },
};
