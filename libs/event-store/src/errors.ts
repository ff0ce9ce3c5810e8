import { ApplicationError } from '@studypath/decider';

/** The stream was not at the version the caller expected: someone else appended first (HTTP 409). */
export class ConcurrencyError extends ApplicationError {
  readonly status = 409;

  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | null,
  ) {
    super('the resource was changed by another request at the same time; read it again and retry', {
      stream_id: streamId,
      expected,
      actual,
    });
  }
}

/** A checkpoint moved since it was read: another reader of the log is running. */
export class CheckpointConflictError extends Error {
  constructor(readonly checkpoint: string) {
    super(`checkpoint ${checkpoint} was moved by someone else`);
    this.name = 'CheckpointConflictError';
  }
}
