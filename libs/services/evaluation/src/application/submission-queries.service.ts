import { Injectable } from '@nestjs/common';
import { ApplicationError } from '@studypath/decider';
import { LongPollSlots } from '@studypath/platform';
import { isFinished } from '../domain/submission-state';
import { SubmissionFinishedListener } from '../projections/submission-finished.listener';
import {
  TaskEvaluationsRepository,
  type SubmissionRow,
} from '../projections/task-evaluations.repository';

export class SubmissionNotFound extends ApplicationError {
  readonly status = 404;
}

/** Reads of submissions for their owners. */
@Injectable()
export class SubmissionQueries {
  constructor(
    private readonly repository: TaskEvaluationsRepository,
    private readonly finished: SubmissionFinishedListener,
    private readonly slots: LongPollSlots,
  ) {}

  /**
   * A user's submission. With `waitMs`, waits up to that long for its evaluation to finish (it may
   * not even be received yet), then answers with what there is. A wait reads the database when it
   * starts, when the listener says the submission finished, and when it is over. A wait beyond the
   * long-poll caps (LongPollSlots) does not wait: it answers at once, as a wait that is over does.
   */
  async get(userId: string, submissionId: string, waitMs = 0): Promise<SubmissionRow> {
    const release = waitMs > 0 ? this.slots.tryAcquire(userId) : undefined;
    if (!release) return this.answer(await this.repository.findForOwner(userId, submissionId));
    // Subscribed before the first read, so an evaluation recorded right after it still wakes us.
    const subscription = this.finished.subscribe(submissionId);
    try {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const row = await this.repository.findForOwner(userId, submissionId);
        const left = deadline - Date.now();
        if ((row && isFinished(row.state)) || left <= 0) return this.answer(row);
        const reason = await subscription.next(left);
        if (reason === 'timeout' || reason === 'closing') {
          return this.answer(await this.repository.findForOwner(userId, submissionId));
        }
      }
    } finally {
      subscription.close();
      release();
    }
  }

  private answer(row: SubmissionRow | undefined): SubmissionRow {
    if (!row) throw new SubmissionNotFound('submission not found (or not received yet)');
    return row;
  }
}
