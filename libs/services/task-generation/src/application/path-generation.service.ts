import { Injectable, Logger } from '@nestjs/common';
import { findTrack, type EnvelopeOf } from '@studypath/contracts';
import { assertNever } from '@studypath/decider';
import { InjectEventStore, type PostgresEventStore } from '@studypath/event-store';
import { deterministicUuid } from '@studypath/platform';
import type { EntityManager } from 'typeorm';
import {
  generationDecider,
  type GENERATION_INPUTS,
  type REVIEW_INPUTS,
  type GenerationCommand,
  type GenerationState,
  type TasksProposedEvent,
} from '../domain/generation.decider';
import { GenerationStateRepository } from '../projections/generation-state.repository';
import { ProblemCatalog } from './problem-catalog';

/** A task event or a due review the generation consumes, as delivered. */
export type GenerationInput = EnvelopeOf<
  (typeof GENERATION_INPUTS)[number] | (typeof REVIEW_INPUTS)[number]
>;

/**
 * Moves a path's generation on by one task event or due review: the state is loaded (and locked), the decider
 * decides, its proposals are appended to the service's log (relayed to Kafka) and the state is
 * saved, all in the caller's transaction.
 */
@Injectable()
export class PathGenerationService {
  private readonly logger = new Logger('TaskGeneration');
  private readonly decider = generationDecider(deterministicUuid);

  constructor(
    @InjectEventStore('task_generation') private readonly store: PostgresEventStore,
    private readonly repository: GenerationStateRepository,
    private readonly catalog: ProblemCatalog,
  ) {}

  async apply(event: GenerationInput, manager: EntityManager): Promise<void> {
    const pathId = event.data.path_id;
    const state = (await this.repository.load(pathId, manager)) ?? this.decider.initialState();
    const trackId = trackIdOf(event, state);
    if (trackId === undefined) {
      // A path this service never saw created (e.g. before it existed): nothing to generate for.
      if (event.event_type === 'analytics.review_due')
        this.logger.debug(
          `review ${event.data.review_id} ignored: path ${pathId} is unknown to task generation`,
        );
      return;
    }
    const track = findTrack(trackId);
    if (!track)
      throw new Error(`path ${pathId} is on the track "${trackId}", which is unknown here`);
    const command: GenerationCommand = {
      fact: event,
      track,
      catalog: await this.catalog.problems(track),
      now: new Date(event.occurred_at),
    };
    const decided = this.decider.decide(command, state);
    const proposals: TasksProposedEvent[] = [];
    for (const decision of decided) {
      switch (decision.event_type) {
        case 'generation.tasks_proposed':
          proposals.push(decision);
          break;
        case 'generation.catalog_exhausted':
          this.logger.warn(`path ${pathId}: the catalog has nothing left to propose`);
          break;
        default:
          assertNever(decision, 'decision');
      }
    }
    if (proposals.length > 0) {
      await this.store.append(`generation-${pathId}`, proposals, {
        expectedVersion: 'any',
        streamType: 'generation',
        userId: event.user_id,
        correlationId: event.correlation_id,
        causationId: event.event_id,
        traceparent: event.traceparent ?? undefined,
        manager,
      });
    }
    const next = [command.fact, ...decided].reduce<GenerationState>(
      (current, folded) => this.decider.evolve(current, folded),
      state,
    );
    if (next.status === 'none') return;
    await this.repository.save(
      next,
      { userId: event.user_id, occurredAt: event.occurred_at },
      manager,
    );
  }
}

/** The track the event's path generates on; none when the path was never seen created. */
function trackIdOf(event: GenerationInput, state: GenerationState): string | undefined {
  if (state.status !== 'none') return state.trackId;
  return event.event_type === 'path.created' ? event.data.track_id : undefined;
}
