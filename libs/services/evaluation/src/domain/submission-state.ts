/** Where a submission's evaluation is: waiting, taken by a worker, or ended (ran, or could not run). */
export type SubmissionState = 'queued' | 'running' | 'completed' | 'failed';

/** A finished submission has its evaluation: nothing about it changes any more. */
export function isFinished(state: SubmissionState): boolean {
  return state === 'completed' || state === 'failed';
}
