/** The stream was not at the version the caller expected: someone else appended first (HTTP 409). */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | null,
  ) {
    super(
      `stream ${streamId} was expected at ${expected} but is ${actual === null ? 'absent' : `at ${actual}`}`,
    );
    this.name = 'ConcurrencyError';
  }
}

/** A checkpoint moved since it was read: another reader of the log is running. */
export class CheckpointConflictError extends Error {
  constructor(readonly checkpoint: string) {
    super(`checkpoint ${checkpoint} was moved by someone else`);
    this.name = 'CheckpointConflictError';
  }
}
