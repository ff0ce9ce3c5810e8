import {
  findTrack,
  type EventData,
  type PathCreated,
  type TaskCreated,
} from '@studypath/contracts';
import {
  initialRating,
  masteryOf,
  updateRating,
  type Evidence,
  type Rating,
} from './mastery.model';
import type {
  ModuleProgress,
  ProgressEvent,
  ProgressView,
  TimelineBucket,
  TopicProgress,
} from './progress.read-model';

/*
 * The same figures as the fold (progress.read-model.ts), recomputed from the whole history with
 * none of its bookkeeping: every figure is a filter and a count over the list of events, the
 * calendar comes from a different Intl call, and streaks and weeks from Date arithmetic. Slow on
 * purpose (quadratic in places); it is the reference the fold is tested against (and a rebuilt
 * projection can be checked with), not a read model.
 */

export interface ProgressReport {
  view: ProgressView;
  days: TimelineBucket[];
  weeks: TimelineBucket[];
}

type PathConfig = EventData<typeof PathCreated>['config'];
type Of<T extends ProgressEvent['event_type']> = Extract<ProgressEvent, { event_type: T }>;

interface Indexed<E> {
  index: number;
  event: E;
}

/** One counted evaluation, with everything the figures need about it. */
interface Attempt {
  evaluationIndex: number;
  taskId: string;
  task: EventData<typeof TaskCreated>;
  passed: boolean;
  score: number;
  submittedAt: number;
  day: string;
  workMs: number;
  attempt: number;
  hints: number;
}

const ofType = <T extends ProgressEvent['event_type']>(
  events: readonly ProgressEvent[],
  type: T,
): Indexed<Of<T>>[] =>
  events.flatMap((event, index) =>
    event.event_type === type ? [{ index, event: event as Of<T> }] : [],
  );

function calendarDate(epochMs: number, timeZone: string): string {
  const options = { year: 'numeric', month: 'numeric', day: 'numeric' } as const;
  let text: string;
  try {
    text = new Date(epochMs).toLocaleDateString('en-US', { ...options, timeZone });
  } catch {
    text = new Date(epochMs).toLocaleDateString('en-US', { ...options, timeZone: 'UTC' });
  }
  const [month, day, year] = text.split('/').map(Number);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const utcDate = (date: string): Date => new Date(`${date}T00:00:00Z`);
const shiftDate = (date: string, days: number): string => {
  const d = utcDate(date);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const mondayOf = (date: string): string => shiftDate(date, -((utcDate(date).getUTCDay() + 6) % 7));
const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const toSeconds = (ms: number): number => Math.round(ms / 1000);
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Progress recomputed from scratch from the path's events, in the order they were recorded. */
export function progressFromHistory(events: readonly ProgressEvent[], now: Date): ProgressReport {
  const configs = events.flatMap((event, index) =>
    event.event_type === 'path.created' || event.event_type === 'path.config_updated'
      ? [{ index, config: event.data.config }]
      : [],
  );
  const configBefore = (index: number): PathConfig | null =>
    configs.filter((c) => c.index < index).pop()?.config ?? null;
  const zoneBefore = (index: number): string => configBefore(index)?.timezone ?? 'UTC';
  const config = configBefore(events.length);
  const created = ofType(events, 'path.created').pop()?.event.data ?? null;
  const timeAt = (index: number): number => Date.parse(events[index].occurred_at);

  // Tasks: the first task.created of each id; a task's other events count only after it.
  const creations = ofType(events, 'task.created').filter(
    ({ event }, i, all) => all.findIndex((c) => c.event.data.task_id === event.data.task_id) === i,
  );
  const createdAt = new Map(creations.map(({ index, event }) => [event.data.task_id, index]));
  const ofTask = <T extends ProgressEvent['event_type']>(type: T, taskId: string) =>
    ofType(events, type).filter(
      ({ index, event }) =>
        (event.data as { task_id: string }).task_id === taskId &&
        index > (createdAt.get(taskId) ?? Infinity),
    );

  const attempts: Attempt[] = [];
  const hintCount = new Map<string, number>();
  for (const { event: creation } of creations) {
    const taskId = creation.data.task_id;
    const submissions = ofTask('task.submitted', taskId).filter(
      ({ event }, i, all) =>
        all.findIndex((s) => s.event.data.submission_id === event.data.submission_id) === i,
    );
    const hints = ofTask('task.hint_delivered', taskId).filter(
      ({ event }, i, all) =>
        all.findIndex((h) => h.event.data.hint_request_id === event.data.hint_request_id) === i,
    );
    hintCount.set(taskId, hints.length);
    const starts = [...ofTask('task.started', taskId), ...submissions].map((s) => s.index);
    const workStart = starts.length > 0 ? timeAt(Math.min(...starts)) : null;

    // The first evaluation of each submission made before it.
    const evaluations = ofTask('task.evaluated', taskId)
      .filter(({ index, event }) =>
        submissions.some(
          (s) => s.event.data.submission_id === event.data.submission_id && s.index < index,
        ),
      )
      .filter(
        ({ event }, i, all) =>
          all.findIndex((e) => e.event.data.submission_id === event.data.submission_id) === i,
      );
    const counted = evaluations.flatMap((evaluation) => {
      const submission = submissions.find(
        (s) => s.event.data.submission_id === evaluation.event.data.submission_id,
      );
      return submission && evaluation.event.data.status !== 'infrastructure_error'
        ? [{ evaluation, submission }]
        : [];
    });
    counted.forEach(({ evaluation: { index, event }, submission }, k) => {
      const submittedAt = timeAt(submission.index);
      const earlier = counted.slice(0, k).map((c) => timeAt(c.submission.index));
      const from = Math.max(workStart ?? submittedAt, ...earlier);
      attempts.push({
        evaluationIndex: index,
        taskId,
        task: creation.data,
        passed: event.data.status === 'passed',
        score: event.data.score,
        submittedAt,
        day: calendarDate(submittedAt, zoneBefore(submission.index)),
        workMs: Math.max(0, submittedAt - from),
        attempt: k + 1,
        hints: hints.filter((h) => h.index < submission.index).length,
      });
    });
  }

  const completions = attempts.filter(
    (a, _, all) => a.passed && all.find((b) => b.taskId === a.taskId && b.passed) === a,
  );
  const taskIdsWith = (type: 'task.skipped' | 'task.expired') =>
    new Set(creations.map((c) => c.event.data.task_id).filter((id) => ofTask(type, id).length > 0));
  const skippedIds = taskIdsWith('task.skipped');
  const expiredIds = taskIdsWith('task.expired');

  // Mastery: the model replayed over the counted evaluations in the order they were recorded.
  const ratings = new Map<string, Rating>();
  for (const a of [...attempts].sort((x, y) => x.evaluationIndex - y.evaluationIndex)) {
    const { task } = a;
    const evidence: Evidence = {
      passed: a.passed,
      difficulty: task.difficulty,
      attempt: a.attempt,
      hints: a.hints,
      score: a.score,
    };
    for (const key of [`module:${task.module}`, ...new Set(task.topics.map((t) => `topic:${t}`))]) {
      ratings.set(key, updateRating(ratings.get(key) ?? initialRating(), evidence));
    }
  }
  const masteryFor = (key: string): number | null => {
    const rating = ratings.get(key);
    return rating ? masteryOf(rating) : null;
  };

  const trackModules = created ? (findTrack(created.track_id)?.modules ?? []) : [];
  const moduleIds = [
    ...new Set([...trackModules.map((m) => m.id), ...creations.map((c) => c.event.data.module)]),
  ];
  const modules: Record<string, ModuleProgress> = {};
  for (const id of moduleIds) {
    const tasks = creations.filter((c) => c.event.data.module === id).map((c) => c.event.data);
    const inModule = attempts.filter((a) => a.task.module === id);
    const done = completions.filter((a) => a.task.module === id);
    const nonReview = tasks.filter((t) => t.source !== 'review');
    const completedWork = done.map((c) =>
      sum(
        attempts
          .filter((a) => a.taskId === c.taskId && a.attempt <= c.attempt)
          .map((a) => a.workMs),
      ),
    );
    modules[id] = {
      total: tasks.length,
      completed: done.length,
      attempted: new Set(inModule.map((a) => a.taskId)).size,
      skipped: tasks.filter((t) => skippedIds.has(t.task_id)).length,
      expired: tasks.filter((t) => expiredIds.has(t.task_id)).length,
      attempts: inModule.length,
      accuracy: rate(inModule.filter((a) => a.passed).length, inModule.length),
      avgTimeSeconds: done.length > 0 ? toSeconds(sum(completedWork) / done.length) : null,
      timeSpentSeconds: toSeconds(sum(inModule.map((a) => a.workMs))),
      currentDifficulty:
        nonReview.length > 0
          ? nonReview[nonReview.length - 1].difficulty
          : (config?.starting_levels[id] ?? null),
      hintsUsed: sum(tasks.map((t) => hintCount.get(t.task_id) ?? 0)),
      mastery: masteryFor(`module:${id}`),
    };
  }

  const topics: Record<string, TopicProgress> = {};
  for (const topic of new Set(creations.flatMap((c) => c.event.data.topics))) {
    const on = attempts.filter((a) => a.task.topics.includes(topic));
    topics[topic] = {
      attempts: on.length,
      passes: on.filter((a) => a.passed).length,
      accuracy: rate(on.filter((a) => a.passed).length, on.length),
      mastery: masteryFor(`topic:${topic}`),
    };
  }

  const zone = config?.timezone ?? 'UTC';
  const today = calendarDate(now.getTime(), zone);
  const activeDays = [...new Set(completions.map((c) => c.day))];
  const runEndingOn = (day: string): number => {
    let length = 0;
    while (activeDays.includes(shiftDate(day, -length))) length++;
    return length;
  };
  const longest = Math.max(0, ...activeDays.map(runEndingOn));
  const lastActiveDay = [...activeDays].sort().at(-1) ?? null;
  const current =
    lastActiveDay !== null && lastActiveDay >= shiftDate(today, -1)
      ? runEndingOn(lastActiveDay)
      : 0;

  const allNonReview = creations.filter((c) => c.event.data.source !== 'review');
  const passes = attempts.filter((a) => a.passed).length;
  const bucketsBy = (key: (day: string) => string): TimelineBucket[] =>
    [...new Set(attempts.map((a) => key(a.day)))].sort().map((start) => {
      const inBucket = attempts.filter((a) => key(a.day) === start);
      const done = completions.filter((c) => key(c.day) === start);
      return {
        start,
        completed: done.length,
        attempts: inBucket.length,
        passes: inBucket.filter((a) => a.passed).length,
        accuracy: rate(inBucket.filter((a) => a.passed).length, inBucket.length),
        timeSpentSeconds: toSeconds(sum(inBucket.map((a) => a.workMs))),
        avgDifficulty: rate(sum(done.map((c) => c.task.difficulty)), done.length),
      };
    });

  return {
    view: {
      pathId: created?.path_id ?? null,
      timeZone: zone,
      today,
      modules,
      topics,
      totals: {
        created: creations.length,
        completed: completions.length,
        attempted: new Set(attempts.map((a) => a.taskId)).size,
        skipped: skippedIds.size,
        expired: expiredIds.size,
        attempts: attempts.length,
        passes,
        timeSpentSeconds: toSeconds(sum(attempts.map((a) => a.workMs))),
        hintsUsed: sum([...hintCount.values()]),
      },
      overallAccuracy: rate(passes, attempts.length),
      currentDifficulty:
        allNonReview.length > 0
          ? allNonReview[allNonReview.length - 1].event.data.difficulty
          : null,
      completionRate: rate(completions.length, creations.length),
      engagementRate: rate(new Set(attempts.map((a) => a.taskId)).size, creations.length),
      hintIndependence: rate(completions.filter((c) => c.hints === 0).length, completions.length),
      streaks: { current, longest, lastActiveDay },
      daysToInterview: config?.target_interview_date
        ? Math.round(
            (utcDate(config.target_interview_date).getTime() - utcDate(today).getTime()) /
              86_400_000,
          )
        : null,
    },
    days: bucketsBy((day) => day),
    weeks: bucketsBy(mondayOf),
  };
}
