import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ORIGINAL_POLICIES,
  type EventData,
  type ReviewCompleted,
  type ReviewDue,
} from '@studypath/contracts';
import { InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import type { EntityManager } from 'typeorm';
import {
  dayNumber,
  dayOfNumber,
  hoursPerWeekOf,
  localDay,
  reviewCard,
  reviewOutcomeAfter,
  type ProgressState,
  type TaskEndingEvent,
} from '../domain';
import { ReviewCardRepository, type ReviewCardRow } from '../projections/review-card.repository';
import type { TaskStreamEvent } from '../projections/progress.projector';

export type ReviewCompletedData = EventData<typeof ReviewCompleted>;
export type ReviewDueData = EventData<typeof ReviewDue>;

/** The analytics service's stream of a path's review queue events. */
export const reviewStream = (pathId: string): string => `reviews-${pathId}`;

/**
 * The review queue (docs/reviews.md), kept in step with the task stream inside the progress
 * projector's transaction: when a task on a problem ends, the learner's card of the problem is
 * rated from what they did and scheduled again by the path's policy. A task made for a scheduled
 * review completes that review (`analytics.review_completed`); a skipped or expired one is rated
 * again and rescheduled like any other ending, so a review is never lost.
 */
@Injectable()
export class ReviewQueue {
  constructor(
    @InjectEventStore('analytics') private readonly store: PostgresEventStore,
    private readonly cards: ReviewCardRepository,
  ) {}

  /** Rates and schedules the card of the task `ending` ended; `after` is the path's progress since. */
  async onTaskEnded(
    cause: TaskStreamEvent,
    ending: TaskEndingEvent,
    after: ProgressState,
    manager: EntityManager,
  ): Promise<ReviewCardRow | null> {
    const task = after.tasks[ending.taskId];
    const outcome = reviewOutcomeAfter(ending, after);
    // A read model built before tasks recorded their problem: nothing to put on a card.
    if (!task?.problemId || !outcome || !after.pathId) return null;
    const now = new Date(cause.occurred_at);
    const existing = await this.cards.lock(cause.user_id, task.problemId, manager);
    // The path's version now: a path moved to another one schedules its next reviews by it.
    const policy = after.schedulingPolicy ?? ORIGINAL_POLICIES.scheduling;
    const today = localDay(now.getTime(), after.timeZone);
    const scheduled = reviewCard(existing?.card ?? null, outcome, policy, now, {
      timeZone: after.timeZone,
      targetInterviewDate: after.targetInterviewDate,
      hoursPerWeek: hoursPerWeekOf(after),
      problemDifficulty: task.difficulty,
      bookedReviews: await this.cards.bookedDays(
        after.pathId,
        dayOfNumber(dayNumber(today) + 1),
        task.problemId,
        manager,
      ),
    });
    const completesReview = !!task.reviewId && existing?.pending_review_id === task.reviewId;
    const row: ReviewCardRow = {
      user_id: cause.user_id,
      problem_id: task.problemId,
      path_id: after.pathId,
      module: task.module,
      topics: task.topics,
      difficulty: task.difficulty,
      card: scheduled.card,
      state: scheduled.card.state,
      due_at: new Date(scheduled.due),
      due_day: localDay(Date.parse(scheduled.due), after.timeZone),
      interval_days: scheduled.intervalDays,
      last_rating: scheduled.rating,
      reviews: (existing?.reviews ?? 0) + 1,
      scheduling_policy: policy,
      // Another task on the problem ending meanwhile leaves a review under way as it is.
      pending_review_id: completesReview ? null : (existing?.pending_review_id ?? null),
      pending_since: completesReview ? null : (existing?.pending_since ?? null),
    };
    await this.cards.save(row, manager);
    if (task.reviewId) {
      await this.append(
        cause,
        after.pathId,
        {
          event_type: 'analytics.review_completed',
          data: {
            review_id: task.reviewId,
            path_id: after.pathId,
            task_id: ending.taskId,
            problem_id: task.problemId,
            ended: ending.how,
            rating: scheduled.rating,
            card_state: scheduled.card.state,
            interval_days: scheduled.intervalDays,
            next_due_at: scheduled.due,
            scheduling_policy: policy,
          },
        },
        manager,
      );
    }
    return row;
  }

  /**
   * One pass of the due job over cards due at `now` (at most `limit`): each gets a review id and
   * its `analytics.review_due`, in the transaction that marks it pending, so a card is made due
   * once however many passes run (locked rows are skipped; a pending card is not due again).
   */
  async publishDue(now: Date, limit: number, manager: EntityManager): Promise<number> {
    const due = await this.cards.lockDue(now, limit, manager);
    for (const card of due) {
      const reviewId = randomUUID();
      await this.cards.markPending(card, reviewId, now, manager);
      const data: ReviewDueData = {
        review_id: reviewId,
        card_state: card.state,
        due_at: card.due_at.toISOString(),
        last_interval_days: card.interval_days,
        scheduling_policy: card.scheduling_policy,
        path_id: card.path_id,
        problem_id: card.problem_id,
        module: card.module as ReviewDueData['module'],
        topics: card.topics,
        difficulty: card.difficulty,
        last_rating: card.last_rating,
      };
      await this.store.append(
        reviewStream(card.path_id),
        [{ event_type: 'analytics.review_due', data }],
        { expectedVersion: 'any', streamType: 'reviews', userId: card.user_id, manager },
      );
    }
    return due.length;
  }

  private async append(
    cause: TaskStreamEvent,
    pathId: string,
    event: { event_type: 'analytics.review_completed'; data: ReviewCompletedData },
    manager: EntityManager,
  ): Promise<void> {
    await this.store.append(reviewStream(pathId), [event], {
      expectedVersion: 'any',
      streamType: 'reviews',
      userId: cause.user_id,
      correlationId: cause.correlation_id,
      causationId: cause.event_id,
      traceparent: cause.traceparent ?? undefined,
      manager,
    });
  }
}
