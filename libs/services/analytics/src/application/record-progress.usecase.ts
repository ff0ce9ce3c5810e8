import { Injectable } from '@nestjs/common';
import { InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { masteryUpdateFor, type MasteryUpdatedData } from '../domain';
import { ProgressProjector, type TaskStreamEvent } from '../projections/progress.projector';
import { ProgressCache } from './progress-cache';
import { ReviewQueue } from './review-queue.service';

/** The consumer group of the analytics projections. */
export const ANALYTICS_CONSUMER_GROUP = 'analytics';

/** The analytics service's stream of a path's facts (its mastery updates). */
export const masteryStream = (pathId: string): string => `mastery-${pathId}`;

/**
 * Applies one event of the task stream to the path's progress and, for a counted evaluation,
 * appends `analytics.mastery_updated` to the service's log (relayed to its topic); an event that
 * ends a task moves the problem's review card (ReviewQueue). All in one transaction, so a redelivered event neither moves the figures nor publishes again. The path's
 * cached answers are dropped once it commits.
 */
@Injectable()
export class RecordProgress {
  constructor(
    @InjectDataSource('analytics') private readonly dataSource: DataSource,
    @InjectEventStore('analytics') private readonly store: PostgresEventStore,
    private readonly projector: ProgressProjector,
    private readonly cache: ProgressCache,
    private readonly reviews: ReviewQueue,
  ) {}

  /** True when the event changed the read model, false for a redelivery. */
  async execute(event: TaskStreamEvent): Promise<boolean> {
    const applied = await this.dataSource.transaction(async (manager) => {
      const result = await this.projector.apply(event, manager);
      if (result && event.event_type === 'task.evaluated') {
        const update = masteryUpdateFor(result.state, event.data);
        if (update) await this.publish(event, update, manager);
      }
      if (result?.ending)
        await this.reviews.onTaskEnded(event, result.ending, result.state, manager);
      return result !== null;
    });
    if (applied) await this.cache.invalidate(event.user_id, event.data.path_id);
    return applied;
  }

  private async publish(
    cause: TaskStreamEvent,
    update: MasteryUpdatedData,
    manager: EntityManager,
  ): Promise<void> {
    await this.store.append(
      masteryStream(update.path_id),
      [{ event_type: 'analytics.mastery_updated', data: update }],
      {
        expectedVersion: 'any',
        streamType: 'mastery',
        userId: cause.user_id,
        correlationId: cause.correlation_id,
        causationId: cause.event_id,
        traceparent: cause.traceparent ?? undefined,
        manager,
      },
    );
  }
}
