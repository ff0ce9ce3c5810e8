import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { ApplicationError } from '@studypath/decider';
import { isFinished } from '../domain/submission-state';
import {
  TaskEvaluationsRepository,
  type SubmissionRow,
} from '../projections/task-evaluations.repository';

/** How often a waiting read looks again. */
const POLL_INTERVAL_MS = 50;

export class SubmissionNotFound extends ApplicationError {
  readonly status = 404;
}

/** Reads of submissions for their owners. */
@Injectable()
export class SubmissionQueries {
  constructor(private readonly repository: TaskEvaluationsRepository) {}

  /**
   * A user's submission. With `waitMs`, waits up to that long for its evaluation to finish (it may
   * not even be received yet), then answers with what there is.
   */
  async get(userId: string, submissionId: string, waitMs = 0): Promise<SubmissionRow> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const row = await this.repository.findForOwner(userId, submissionId);
      if (row && isFinished(row.state)) return row;
      if (Date.now() >= deadline) {
        if (row) return row;
        throw new SubmissionNotFound('submission not found (or not received yet)');
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }
}
