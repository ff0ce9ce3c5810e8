import {
  findTrack,
  type EventData,
  type ModuleId,
  type PathCreated,
  type TaskEvaluated,
  type TaskTopicEvent,
} from '@studypath/contracts';
import { assertNever } from '@studypath/decider';
import {
  dayNumber,
  FALLBACK_TIME_ZONE,
  localDay,
  weekStart,
  type LocalDay,
} from './local-calendar';
import { initialRating, masteryOf, updateRating, type Rating } from './mastery.model';
import { streaksOf, type Streaks } from './streaks';

/*
 * The progress of one study path, folded from its events on the task stream (docs/progress.md
 * defines every figure). The rules, in short:
 * - An evaluation counts when it ran: `infrastructure_error` counts nowhere (not an attempt, not
 *   time spent, not mastery, not a streak day). Every other status is an attempt; `passed`
 *   completes the task.
 * - A counted attempt happens when its submission was made, on the local date of the path's time
 *   zone in force then; the work it measures runs from the end of the task's previous counted
 *   work (the task's start, then each counted submission) to that submission.
 * - A hint counts when it was delivered; a pass is "without a hint" if none was delivered on the
 *   task before the passing submission.
 * - Events arrive in the order the path service recorded them; "latest" means latest in that
 *   order. Deduplicating redelivered events is the projection's job (by stream position); the fold
 *   still ignores a second submission or evaluation of the same id, which the path service never
 *   writes.
 */

/** An event of the task stream with the time it occurred: what the fold reads of an envelope. */
export type ProgressEvent = Timed<TaskTopicEvent>;
type Timed<E> = E extends { event_type: infer T; data: infer D }
  ? { event_type: T; data: D; occurred_at: string }
  : never;

type PathConfig = EventData<typeof PathCreated>['config'];
type EvaluatedData = EventData<typeof TaskEvaluated>;

/** A submission waiting for its evaluation. */
interface PendingSubmission {
  at: number;
  day: LocalDay;
  /** Hints delivered on the task before it. */
  hints: number;
}

export interface TaskProgress {
  /** Absent in read models built before it was recorded (a rebuild fills it in). */
  problemId?: string;
  /** The scheduled review the task was made for (`task.created`'s `review`), if any. */
  reviewId?: string | null;
  module: ModuleId;
  /** Distinct topic tags. */
  topics: string[];
  difficulty: number;
  /** Where the next counted attempt's work starts (epoch ms); null before the task was started. */
  workMark: number | null;
  pending: Record<string, PendingSubmission>;
  /** Submissions already evaluated: true when the evaluation counted. */
  evaluated: Record<string, boolean>;
  countedEvaluations: number;
  hintIds: Record<string, true>;
  hints: number;
  completed: boolean;
  skipped: boolean;
  expired: boolean;
  timeSpentMs: number;
}

export interface ModuleTally {
  created: number;
  completed: number;
  attempted: number;
  skipped: number;
  expired: number;
  attempts: number;
  passes: number;
  timeSpentMs: number;
  /** Time spent on the tasks that were completed, for the average time per completed task. */
  completedTimeMs: number;
  hintsUsed: number;
  /** The difficulty of the module's latest non-review task. */
  latestDifficulty: number | null;
}

export interface Tally {
  attempts: number;
  passes: number;
}

export interface DayTally extends Tally {
  completed: number;
  /** Sum of the difficulties of the tasks completed that day. */
  completedDifficulty: number;
  timeSpentMs: number;
}

export interface ProgressState {
  pathId: string | null;
  trackId: string | null;
  timeZone: string;
  startingLevels: Record<string, number>;
  targetInterviewDate: string | null;
  /** Absent in read models built before it was recorded: read it with `hoursPerWeekOf`. */
  hoursPerWeek?: number;
  /** The review scheduling version the path runs; absent before paths recorded it. */
  schedulingPolicy?: string;
  tasks: Record<string, TaskProgress>;
  modules: Partial<Record<ModuleId, ModuleTally>>;
  topics: Record<string, Tally>;
  days: Record<LocalDay, DayTally>;
  completedWithoutHints: number;
  latestDifficulty: number | null;
  mastery: { modules: Partial<Record<ModuleId, Rating>>; topics: Record<string, Rating> };
}

export function initialProgress(): ProgressState {
  return {
    pathId: null,
    trackId: null,
    timeZone: FALLBACK_TIME_ZONE,
    startingLevels: {},
    targetInterviewDate: null,
    tasks: {},
    modules: {},
    topics: {},
    days: {},
    completedWithoutHints: 0,
    latestDifficulty: null,
    mastery: { modules: {}, topics: {} },
  };
}

const emptyModule = (): ModuleTally => ({
  created: 0,
  completed: 0,
  attempted: 0,
  skipped: 0,
  expired: 0,
  attempts: 0,
  passes: 0,
  timeSpentMs: 0,
  completedTimeMs: 0,
  hintsUsed: 0,
  latestDifficulty: null,
});
const emptyDay = (): DayTally => ({
  attempts: 0,
  passes: 0,
  completed: 0,
  completedDifficulty: 0,
  timeSpentMs: 0,
});

function setConfig(state: ProgressState, config: PathConfig): void {
  state.timeZone = config.timezone;
  state.startingLevels = config.starting_levels;
  state.targetInterviewDate = config.target_interview_date;
  state.hoursPerWeek = config.hours_per_week;
}

/** The path's weekly hours; the default of a new path for a read model that predates the field. */
export function hoursPerWeekOf(state: ProgressState): number {
  return state.hoursPerWeek ?? 5;
}

/** A task the path created, and its module's tally; null for a task this path never created. */
function taskAndModule(
  state: ProgressState,
  taskId: string,
): { task: TaskProgress; module: ModuleTally } | null {
  const task = state.tasks[taskId];
  if (!task) return null;
  return { task, module: (state.modules[task.module] ??= emptyModule()) };
}

/** A task skipped or expired: flagged once, and counted once in its module. */
function endOnce(state: ProgressState, taskId: string, how: 'skipped' | 'expired'): void {
  const found = taskAndModule(state, taskId);
  if (!found || found.task[how]) return;
  found.task[how] = true;
  found.module[how] += 1;
}

/**
 * Folds one event of the path into its progress. Pure: the state passed in is not changed (it is
 * copied, then changed by `applyProgress`).
 */
export function evolveProgress(state: ProgressState, event: ProgressEvent): ProgressState {
  const next = structuredClone(state);
  applyProgress(next, event);
  return next;
}

/**
 * Folds one event of the path into `state`, changing it in place: for a state the caller owns
 * (one just read from the database, or a rebuild's in memory), where copying the whole state on
 * every event would cost more than the fold itself. `evolveProgress` is the pure form; the
 * property tests check both against the brute force.
 */
export function applyProgress(state: ProgressState, event: ProgressEvent): void {
  switch (event.event_type) {
    case 'path.created':
      state.pathId = event.data.path_id;
      state.trackId = event.data.track_id;
      state.schedulingPolicy = event.data.policies.scheduling;
      setConfig(state, event.data.config);
      return;
    case 'path.policies_changed':
      state.schedulingPolicy = event.data.policies.scheduling;
      return;
    case 'path.config_updated':
      setConfig(state, event.data.config);
      return;
    case 'path.paused':
    case 'path.resumed':
    case 'path.archived':
    case 'task.hint_requested': // a hint counts when it is delivered
    case 'task.status_changed': // the facts it follows carry what counts
      return;
    case 'task.created': {
      const { task_id, problem_id, module, topics, difficulty, source, review } = event.data;
      if (state.tasks[task_id]) return;
      state.tasks[task_id] = {
        problemId: problem_id,
        reviewId: review?.review_id ?? null,
        module,
        topics: [...new Set(topics)],
        difficulty,
        workMark: null,
        pending: {},
        evaluated: {},
        countedEvaluations: 0,
        hintIds: {},
        hints: 0,
        completed: false,
        skipped: false,
        expired: false,
        timeSpentMs: 0,
      };
      const tally = (state.modules[module] ??= emptyModule());
      tally.created += 1;
      if (source !== 'review') {
        tally.latestDifficulty = difficulty;
        state.latestDifficulty = difficulty;
      }
      return;
    }
    case 'task.started': {
      const task = state.tasks[event.data.task_id];
      if (task) task.workMark ??= Date.parse(event.occurred_at);
      return;
    }
    case 'task.submitted': {
      const { submission_id } = event.data;
      const task = state.tasks[event.data.task_id];
      if (!task || task.pending[submission_id] || submission_id in task.evaluated) return;
      const at = Date.parse(event.occurred_at);
      // Submitting starts a task that was not started (the path service starts it first).
      task.workMark ??= at;
      task.pending[submission_id] = { at, day: localDay(at, state.timeZone), hints: task.hints };
      return;
    }
    case 'task.evaluated':
      evaluated(state, event.data);
      return;
    case 'task.hint_delivered': {
      const { hint_request_id } = event.data;
      const found = taskAndModule(state, event.data.task_id);
      if (!found || found.task.hintIds[hint_request_id]) return;
      found.task.hintIds[hint_request_id] = true;
      found.task.hints += 1;
      found.module.hintsUsed += 1;
      return;
    }
    case 'task.skipped':
      endOnce(state, event.data.task_id, 'skipped');
      return;
    case 'task.expired':
      endOnce(state, event.data.task_id, 'expired');
      return;
    default:
      assertNever(event, 'event');
  }
}

/** Whether an evaluation's result says anything about the learner: one that could not run does not. */
export function countsAsAttempt(status: EvaluatedData['status']): boolean {
  return status !== 'infrastructure_error';
}

function evaluated(state: ProgressState, data: EvaluatedData): void {
  const found = taskAndModule(state, data.task_id);
  const submission = found?.task.pending[data.submission_id];
  if (!found || !submission) return; // unknown, or evaluated already
  const { task, module } = found;
  delete task.pending[data.submission_id];
  if (!countsAsAttempt(data.status)) {
    task.evaluated[data.submission_id] = false;
    return;
  }

  const passed = data.status === 'passed';
  const pass = passed ? 1 : 0;
  const mark = task.workMark ?? submission.at;
  const workMs = Math.max(0, submission.at - mark);
  const attempt = task.countedEvaluations + 1;
  const completes = passed && !task.completed;
  task.evaluated[data.submission_id] = true;
  task.workMark = Math.max(mark, submission.at);
  task.countedEvaluations = attempt;
  task.completed = task.completed || passed;
  task.timeSpentMs += workMs;

  module.attempted += attempt === 1 ? 1 : 0;
  module.attempts += 1;
  module.passes += pass;
  module.timeSpentMs += workMs;
  module.completed += completes ? 1 : 0;
  module.completedTimeMs += completes ? task.timeSpentMs : 0;

  const day = (state.days[submission.day] ??= emptyDay());
  day.attempts += 1;
  day.passes += pass;
  day.completed += completes ? 1 : 0;
  day.completedDifficulty += completes ? task.difficulty : 0;
  day.timeSpentMs += workMs;

  const evidence = {
    passed,
    difficulty: task.difficulty,
    attempt,
    hints: submission.hints,
    score: data.score,
  };
  const { topics, mastery } = state;
  for (const topic of task.topics) {
    const tally = (topics[topic] ??= { attempts: 0, passes: 0 });
    tally.attempts += 1;
    tally.passes += pass;
    mastery.topics[topic] = updateRating(mastery.topics[topic] ?? initialRating(), evidence);
  }
  mastery.modules[task.module] = updateRating(
    mastery.modules[task.module] ?? initialRating(),
    evidence,
  );
  state.completedWithoutHints += completes && submission.hints === 0 ? 1 : 0;
}

export interface ModuleProgress {
  /** Tasks the path has created in the module: the plan so far. */
  total: number;
  completed: number;
  /** Tasks with at least one counted evaluation. */
  attempted: number;
  skipped: number;
  expired: number;
  /** Counted evaluations. */
  attempts: number;
  /** Passing share of the counted evaluations; null without any. */
  accuracy: number | null;
  /** Mean time spent per completed task, seconds; null before the first completion. */
  avgTimeSeconds: number | null;
  timeSpentSeconds: number;
  currentDifficulty: number | null;
  hintsUsed: number;
  /** 0–1; null before the module's first counted evaluation. */
  mastery: number | null;
}

export interface TopicProgress {
  attempts: number;
  passes: number;
  accuracy: number | null;
  mastery: number | null;
}

export interface ProgressTotals {
  created: number;
  completed: number;
  attempted: number;
  skipped: number;
  expired: number;
  attempts: number;
  passes: number;
  timeSpentSeconds: number;
  hintsUsed: number;
}

export interface ProgressView {
  pathId: string | null;
  timeZone: string;
  /** The local date at `now` in the path's time zone. */
  today: LocalDay;
  modules: Record<string, ModuleProgress>;
  topics: Record<string, TopicProgress>;
  totals: ProgressTotals;
  overallAccuracy: number | null;
  currentDifficulty: number | null;
  /** Completed / created; null for a path without tasks. */
  completionRate: number | null;
  /** Attempted / created; null for a path without tasks. */
  engagementRate: number | null;
  /** Share of completed tasks passed without a hint; null before the first completion. */
  hintIndependence: number | null;
  streaks: Streaks;
  /** Calendar days from today to the interview date (negative once past); null without a date. */
  daysToInterview: number | null;
}

export interface TimelineBucket {
  /** The bucket's first local date: the day itself, or the Monday of its week. */
  start: LocalDay;
  completed: number;
  attempts: number;
  passes: number;
  accuracy: number | null;
  timeSpentSeconds: number;
  /** Mean difficulty of the tasks completed in the bucket; null if none was. */
  avgDifficulty: number | null;
}

export type TimelineBucketSize = 'day' | 'week';

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const seconds = (ms: number): number => Math.round(ms / 1000);

/** The figures of a path's progress at `now` (which only decides "today"). */
export function progressView(state: ProgressState, now: Date): ProgressView {
  const today = localDay(now.getTime(), state.timeZone);
  const trackModules = (state.trackId ? findTrack(state.trackId)?.modules : undefined) ?? [];
  const moduleIds = new Set<ModuleId>([
    ...trackModules.map((m) => m.id),
    ...(Object.keys(state.modules) as ModuleId[]),
  ]);

  const modules: Record<string, ModuleProgress> = {};
  const totals: ProgressTotals = {
    created: 0,
    completed: 0,
    attempted: 0,
    skipped: 0,
    expired: 0,
    attempts: 0,
    passes: 0,
    timeSpentSeconds: 0,
    hintsUsed: 0,
  };
  let timeSpentMs = 0;
  for (const id of moduleIds) {
    const tally = state.modules[id] ?? emptyModule();
    const rating = state.mastery.modules[id];
    modules[id] = {
      total: tally.created,
      completed: tally.completed,
      attempted: tally.attempted,
      skipped: tally.skipped,
      expired: tally.expired,
      attempts: tally.attempts,
      accuracy: ratio(tally.passes, tally.attempts),
      avgTimeSeconds:
        tally.completed === 0 ? null : seconds(tally.completedTimeMs / tally.completed),
      timeSpentSeconds: seconds(tally.timeSpentMs),
      currentDifficulty: tally.latestDifficulty ?? state.startingLevels[id] ?? null,
      hintsUsed: tally.hintsUsed,
      mastery: rating ? masteryOf(rating) : null,
    };
    totals.created += tally.created;
    totals.completed += tally.completed;
    totals.attempted += tally.attempted;
    totals.skipped += tally.skipped;
    totals.expired += tally.expired;
    totals.attempts += tally.attempts;
    totals.passes += tally.passes;
    totals.hintsUsed += tally.hintsUsed;
    timeSpentMs += tally.timeSpentMs;
  }
  totals.timeSpentSeconds = seconds(timeSpentMs);

  const topics: Record<string, TopicProgress> = {};
  for (const task of Object.values(state.tasks)) {
    for (const topic of task.topics) {
      if (topics[topic]) continue;
      const tally = state.topics[topic] ?? { attempts: 0, passes: 0 };
      const rating = state.mastery.topics[topic];
      topics[topic] = {
        attempts: tally.attempts,
        passes: tally.passes,
        accuracy: ratio(tally.passes, tally.attempts),
        mastery: rating ? masteryOf(rating) : null,
      };
    }
  }

  const activeDays = Object.entries(state.days)
    .filter(([, day]) => day.completed > 0)
    .map(([day]) => day);

  return {
    pathId: state.pathId,
    timeZone: state.timeZone,
    today,
    modules,
    topics,
    totals,
    overallAccuracy: ratio(totals.passes, totals.attempts),
    currentDifficulty: state.latestDifficulty,
    completionRate: ratio(totals.completed, totals.created),
    engagementRate: ratio(totals.attempted, totals.created),
    hintIndependence: ratio(state.completedWithoutHints, totals.completed),
    streaks: streaksOf(activeDays, today),
    daysToInterview:
      state.targetInterviewDate === null
        ? null
        : dayNumber(state.targetInterviewDate) - dayNumber(today),
  };
}

/** The path's activity per local day or per ISO week (Monday first), oldest first; empty buckets left out. */
export function progressTimeline(state: ProgressState, size: TimelineBucketSize): TimelineBucket[] {
  const buckets = new Map<LocalDay, DayTally>();
  for (const [day, tally] of Object.entries(state.days)) {
    const start = size === 'day' ? day : weekStart(day);
    const sum = buckets.get(start) ?? emptyDay();
    buckets.set(start, {
      attempts: sum.attempts + tally.attempts,
      passes: sum.passes + tally.passes,
      completed: sum.completed + tally.completed,
      completedDifficulty: sum.completedDifficulty + tally.completedDifficulty,
      timeSpentMs: sum.timeSpentMs + tally.timeSpentMs,
    });
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([start, tally]) => ({
      start,
      completed: tally.completed,
      attempts: tally.attempts,
      passes: tally.passes,
      accuracy: ratio(tally.passes, tally.attempts),
      timeSpentSeconds: seconds(tally.timeSpentMs),
      avgDifficulty: ratio(tally.completedDifficulty, tally.completed),
    }));
}
