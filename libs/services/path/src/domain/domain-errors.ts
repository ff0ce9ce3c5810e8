import { ApplicationError } from '@studypath/decider';

/** A rule of the path domain refused a command; `status` is what the HTTP edge answers. */
export abstract class DomainError extends ApplicationError {}

export class NotFoundError extends DomainError {
  readonly status = 404;
}

/** The command does not fit the aggregate's current state (409, naming that state). */
export class IllegalTransitionError extends DomainError {
  readonly status = 409;
}

/** Another open path exists on the track (409). */
export class ConflictError extends DomainError {
  readonly status = 409;
}

/** Too soon after an earlier request (429); the HTTP edge says when in Retry-After. */
export class HintTooSoonError extends DomainError {
  readonly status = 429;

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details: Record<string, unknown> = {},
  ) {
    super(message, { retry_after_seconds: retryAfterSeconds, ...details });
  }
}

export class InvalidCommandError extends DomainError {
  readonly status = 400;
}

/** The user asked for their daily cap of hints within the last 24 hours (429, Retry-After). */
export class HintDailyCapError extends HintTooSoonError {
  constructor(cap: number, retryAfterSeconds: number) {
    super(
      `you have asked for ${cap} hints within 24 hours, the most allowed: the next is possible in ${retryAfterSeconds} s`,
      retryAfterSeconds,
      { daily_cap: cap },
    );
  }
}
