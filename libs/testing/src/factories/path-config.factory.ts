import type { EventData, PathCreated } from '@studypath/contracts';

/** A path's configuration for tests: one hour a week, a window of three tasks, no interview date. */
export function pathConfig(
  changes: Partial<EventData<typeof PathCreated>['config']> = {},
): EventData<typeof PathCreated>['config'] {
  return {
    target_interview_date: null,
    timezone: 'UTC',
    hours_per_week: 1,
    starting_levels: {},
    personalization_weights: {},
    pending_tasks_ahead: 3,
    max_attempts: 3,
    expiry_days: 7,
    ...changes,
  };
}
