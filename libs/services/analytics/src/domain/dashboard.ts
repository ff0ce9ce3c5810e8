import { dayNumber, dayOfNumber, localDay, weekStart, type LocalDay } from './local-calendar';
import {
  progressTimeline,
  progressView,
  type ProgressState,
  type ProgressView,
} from './progress.read-model';
import { reviewFiguresOf, sumReviewFigures, type QueuedCard, type ReviewFigures } from './reviews';
import { type Streaks } from './streaks';
import { nextTaskOf, type OpenTask, type PathStatus, type TaskBoard } from './task-board';

/** A path as the dashboard reads it. */
export interface DashboardPath {
  pathId: string;
  status: PathStatus;
  state: ProgressState;
  board: TaskBoard;
  /** The path's cards of the review queue (none when left out). */
  reviewCards?: readonly QueuedCard[];
}

export interface WeekAccuracy {
  weekStart: LocalDay;
  attempts: number;
  accuracy: number | null;
}

export interface WeakTopic {
  pathId: string;
  topic: string;
  mastery: number;
  accuracy: number | null;
  attempts: number;
}

export interface DashboardPathSummary {
  pathId: string;
  trackId: string | null;
  status: PathStatus;
  view: ProgressView;
  reviews: ReviewFigures;
}

export interface Dashboard {
  /** The local date of the first path (the latest changed), or UTC's without a path. */
  today: LocalDay;
  nextTask: ({ pathId: string; taskId: string } & OpenTask) | null;
  /** The best current streak among the open paths, and the longest ever. */
  streak: Pick<Streaks, 'current' | 'longest'>;
  tasksCompletedThisWeek: number;
  /** The last `TREND_WEEKS` ISO weeks up to this one, oldest first, over the open paths. */
  accuracyTrend: WeekAccuracy[];
  /** The open paths' topics of lowest mastery, lowest first (those with an attempt only). */
  weakestTopics: WeakTopic[];
  /** The nearest interview date of an open path that is not past; null without one. */
  daysToInterview: number | null;
  /** The open paths' review queues: due today, overdue, the retention estimate. */
  reviews: ReviewFigures;
  paths: DashboardPathSummary[];
}

export const TREND_WEEKS = 4;
export const WEAKEST_TOPICS = 3;

/**
 * The home screen's summary across a user's paths at `now`. Archived paths are listed but add
 * nothing to the figures; each path counts its weeks in its own time zone, and weeks of different
 * paths are added up by their Monday's date.
 */
export function dashboardOf(paths: readonly DashboardPath[], now: Date): Dashboard {
  const summaries = paths.map((p) => {
    const view = progressView(p.state, now);
    return {
      pathId: p.pathId,
      trackId: p.state.trackId,
      status: p.status,
      view,
      reviews: reviewFiguresOf(p.reviewCards ?? [], view.today, now),
    };
  });
  const today = summaries[0]?.view.today ?? localDay(now.getTime(), 'UTC');
  const thisWeek = weekStart(today);
  const trendStarts = Array.from({ length: TREND_WEEKS }, (_, i) =>
    dayOfNumber(dayNumber(thisWeek) - 7 * (TREND_WEEKS - 1 - i)),
  );

  let nextTask: Dashboard['nextTask'] = null;
  const streak = { current: 0, longest: 0 };
  let tasksCompletedThisWeek = 0;
  const weeks = new Map<LocalDay, { attempts: number; passes: number }>();
  const topics: WeakTopic[] = [];
  let daysToInterview: number | null = null;

  for (const [i, path] of paths.entries()) {
    if (path.status === 'archived') continue;
    const view = summaries[i]?.view ?? progressView(path.state, now);
    const next = nextTaskOf(path.board);
    if (!nextTask && next) nextTask = { pathId: path.pathId, ...next };
    streak.current = Math.max(streak.current, view.streaks.current);
    streak.longest = Math.max(streak.longest, view.streaks.longest);
    for (const week of progressTimeline(path.state, 'week')) {
      if (week.start === weekStart(view.today)) tasksCompletedThisWeek += week.completed;
      const sum = weeks.get(week.start) ?? { attempts: 0, passes: 0 };
      weeks.set(week.start, {
        attempts: sum.attempts + week.attempts,
        passes: sum.passes + week.passes,
      });
    }
    for (const [topic, figures] of Object.entries(view.topics)) {
      if (figures.mastery === null || figures.attempts === 0) continue;
      topics.push({
        pathId: path.pathId,
        topic,
        mastery: figures.mastery,
        accuracy: figures.accuracy,
        attempts: figures.attempts,
      });
    }
    if (
      view.daysToInterview !== null &&
      view.daysToInterview >= 0 &&
      (daysToInterview === null || view.daysToInterview < daysToInterview)
    ) {
      daysToInterview = view.daysToInterview;
    }
  }

  return {
    today,
    nextTask,
    streak,
    tasksCompletedThisWeek,
    accuracyTrend: trendStarts.map((start) => {
      const week = weeks.get(start) ?? { attempts: 0, passes: 0 };
      return {
        weekStart: start,
        attempts: week.attempts,
        accuracy: week.attempts === 0 ? null : week.passes / week.attempts,
      };
    }),
    weakestTopics: topics
      .sort((a, b) => a.mastery - b.mastery || a.topic.localeCompare(b.topic))
      .slice(0, WEAKEST_TOPICS),
    daysToInterview,
    reviews: sumReviewFigures(
      summaries.filter((p) => p.status !== 'archived').map((p) => p.reviews),
    ),
    paths: summaries,
  };
}
