import type {
  Dashboard,
  PeerComparison,
  ProgressView,
  ReviewFigures,
  TimelineBucket,
} from '../domain';
import type { Timeline } from '../application/progress-queries.service';
import type {
  DashboardResponse,
  ModulePercentilesResponse,
  ModuleProgressResponse,
  PercentilesResponse,
  ProgressResponse,
  ReviewFiguresResponse,
  TimelineBucketResponse,
  TimelineResponse,
  TopicProgressResponse,
} from './progress.dto';

/** The API's spelling of a path's progress (snake_case, as docs/progress.md names the figures). */
export function progressResponse(pathId: string, view: ProgressView): ProgressResponse {
  const modules: Record<string, ModuleProgressResponse> = {};
  for (const [id, m] of Object.entries(view.modules)) {
    modules[id] = {
      completed: m.completed,
      total: m.total,
      attempted: m.attempted,
      skipped: m.skipped,
      expired: m.expired,
      attempts: m.attempts,
      accuracy: m.accuracy,
      avg_time_seconds: m.avgTimeSeconds,
      time_spent_seconds: m.timeSpentSeconds,
      current_difficulty: m.currentDifficulty,
      hints_used: m.hintsUsed,
      mastery: m.mastery,
    };
  }
  const topics: Record<string, TopicProgressResponse> = {};
  for (const [topic, t] of Object.entries(view.topics)) {
    topics[topic] = { attempts: t.attempts, accuracy: t.accuracy, mastery: t.mastery };
  }
  return {
    path_id: pathId,
    timezone: view.timeZone,
    today: view.today,
    modules,
    topics,
    overall_accuracy: view.overallAccuracy,
    current_difficulty: view.currentDifficulty,
    completion_rate: view.completionRate,
    engagement_rate: view.engagementRate,
    hint_independence: view.hintIndependence,
    tasks_created: view.totals.created,
    tasks_completed: view.totals.completed,
    time_spent_seconds: view.totals.timeSpentSeconds,
    hints_used: view.totals.hintsUsed,
    streaks: {
      current: view.streaks.current,
      longest: view.streaks.longest,
      last_active_day: view.streaks.lastActiveDay,
    },
    days_to_interview: view.daysToInterview,
  };
}

function bucketResponse(b: TimelineBucket): TimelineBucketResponse {
  return {
    start: b.start,
    completed: b.completed,
    attempts: b.attempts,
    accuracy: b.accuracy,
    time_spent_seconds: b.timeSpentSeconds,
    avg_difficulty: b.avgDifficulty,
  };
}

export function timelineResponse(timeline: Timeline): TimelineResponse {
  return {
    bucket: timeline.bucket,
    from: timeline.from,
    to: timeline.to,
    buckets: timeline.buckets.map(bucketResponse),
  };
}

export function dashboardResponse(d: Dashboard): DashboardResponse {
  return {
    today: d.today,
    next_task: d.nextTask && {
      path_id: d.nextTask.pathId,
      task_id: d.nextTask.taskId,
      problem_id: d.nextTask.problemId,
      module: d.nextTask.module,
      difficulty: d.nextTask.difficulty,
      status: d.nextTask.status,
    },
    streak: d.streak,
    tasks_completed_this_week: d.tasksCompletedThisWeek,
    accuracy_trend: d.accuracyTrend.map((w) => ({
      week_start: w.weekStart,
      attempts: w.attempts,
      accuracy: w.accuracy,
    })),
    weakest_topics: d.weakestTopics.map((t) => ({
      path_id: t.pathId,
      topic: t.topic,
      mastery: t.mastery,
      accuracy: t.accuracy,
      attempts: t.attempts,
    })),
    days_to_interview: d.daysToInterview,
    reviews: reviewFiguresResponse(d.reviews),
    paths: d.paths.map((p) => ({
      path_id: p.pathId,
      track_id: p.trackId,
      status: p.status,
      tasks_completed: p.view.totals.completed,
      tasks_created: p.view.totals.created,
      overall_accuracy: p.view.overallAccuracy,
      current_streak: p.view.streaks.current,
      days_to_interview: p.view.daysToInterview,
      reviews: reviewFiguresResponse(p.reviews),
    })),
  };
}

function reviewFiguresResponse(r: ReviewFigures): ReviewFiguresResponse {
  return {
    cards: r.cards,
    due_today: r.dueToday,
    overdue: r.overdue,
    retention_estimate: r.retentionEstimate,
  };
}

/** A path's peer comparison: its own percentiles only, in the API's spelling. */
export function percentilesResponse(pathId: string, value: PeerComparison): PercentilesResponse {
  const modules: Record<string, ModulePercentilesResponse> = {};
  for (const [id, m] of Object.entries(value.modules)) {
    modules[id] = { cohort_size: m.cohortSize, accuracy: m.accuracy, completed: m.completed };
  }
  return { path_id: pathId, track_id: value.trackId, min_cohort: value.minCohort, modules };
}
