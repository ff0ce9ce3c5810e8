import type { EventData, TaskCreated, TaskStatusChanged } from '@studypath/contracts';
import { assertNever } from '@studypath/decider';
import type { ProgressEvent } from './progress.read-model';

type TaskStatus = EventData<typeof TaskStatusChanged>['to'];
export type PathStatus = 'active' | 'paused' | 'archived';

/** An open task of a path: what the dashboard needs to name "today's next task". */
export interface OpenTask {
  order: number;
  status: TaskStatus;
  problemId: string;
  module: EventData<typeof TaskCreated>['module'];
  difficulty: number;
}

/**
 * A path's status and its open tasks (pending, in progress or awaiting an evaluation), folded from
 * its events. A task leaves the board when it reaches a final status, so the board stays as small
 * as the tasks ahead (`pending_tasks_ahead`), however long the path's history.
 */
export interface TaskBoard {
  status: PathStatus;
  open: Record<string, OpenTask>;
}

const OPEN: ReadonlySet<TaskStatus> = new Set(['pending', 'in_progress', 'submitted']);

export function initialBoard(): TaskBoard {
  return { status: 'active', open: {} };
}

/** Folds one event of the path into its board. Pure. */
export function evolveBoard(board: TaskBoard, event: ProgressEvent): TaskBoard {
  switch (event.event_type) {
    case 'path.created':
    case 'path.resumed':
      return { ...board, status: 'active' };
    case 'path.paused':
      return { ...board, status: 'paused' };
    case 'path.archived':
      return { ...board, status: 'archived' };
    case 'task.created': {
      const { task_id, order, problem_id, module, difficulty } = event.data;
      return {
        ...board,
        open: {
          ...board.open,
          [task_id]: { order, status: 'pending', problemId: problem_id, module, difficulty },
        },
      };
    }
    case 'task.status_changed': {
      const task = board.open[event.data.task_id];
      if (!task) return board;
      const open = { ...board.open };
      if (OPEN.has(event.data.to)) open[event.data.task_id] = { ...task, status: event.data.to };
      else delete open[event.data.task_id];
      return { ...board, open };
    }
    case 'task.skipped':
    case 'task.expired': {
      if (!board.open[event.data.task_id]) return board;
      const open = { ...board.open };
      delete open[event.data.task_id];
      return { ...board, open };
    }
    case 'path.config_updated':
    case 'path.policies_changed':
    case 'task.started':
    case 'task.submitted':
    case 'task.evaluated':
    case 'task.hint_requested':
    case 'task.hint_delivered':
      return board;
    default:
      return assertNever(event, 'event');
  }
}

/**
 * The task a learner works on next, as the path service's `GET /study-tasks/next` picks it: the
 * one in progress (or awaiting its evaluation), else the first pending one; none on a path that
 * is not active.
 */
export function nextTaskOf(board: TaskBoard): ({ taskId: string } & OpenTask) | null {
  if (board.status !== 'active') return null;
  const rank = (task: OpenTask): number => (task.status === 'pending' ? 1 : 0);
  let best: ({ taskId: string } & OpenTask) | null = null;
  for (const [taskId, task] of Object.entries(board.open)) {
    if (
      !best ||
      rank(task) < rank(best) ||
      (rank(task) === rank(best) && task.order < best.order)
    ) {
      best = { taskId, ...task };
    }
  }
  return best;
}
