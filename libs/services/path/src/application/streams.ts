/** The event store stream of each aggregate: one per study path and one per study task. */
export const pathStream = (pathId: string): string => `path-${pathId}`;
export const taskStream = (taskId: string): string => `task-${taskId}`;
