import { Injectable } from '@nestjs/common';
import { isGenerationPolicyVersion } from '@studypath/contracts';
import type { EntityManager } from 'typeorm';
import type {
  DueReview,
  PathConfig,
  PathGeneration,
  TrackedTask,
} from '../domain/generation.decider';

/** The state columns of a row of `task_generation.generation_paths` (besides its owner and times). */
export interface GenerationPathRow {
  path_id: string;
  track_id: string;
  status: PathGeneration['status'];
  config: PathConfig;
  /** Rows stored before paths recorded their version hold the column's default, generation-1. */
  generation: string;
  clock: number;
  proposals: number;
  tasks: TrackedTask[];
  pending_reviews: DueReview[];
}

/** The only place that reads or writes the generation state, always inside the caller's transaction. */
@Injectable()
export class GenerationStateRepository {
  /**
   * Locks the path's row until the transaction ends, so one path's facts apply one at a time. A
   * generation version this code does not know is an error: the path must not run another one.
   */
  async load(pathId: string, manager: EntityManager): Promise<PathGeneration | undefined> {
    const rows = (await manager.query(
      `SELECT path_id, track_id, status, config, generation, clock, proposals, tasks, pending_reviews
         FROM task_generation.generation_paths WHERE path_id = $1 FOR UPDATE`,
      [pathId],
    )) as GenerationPathRow[];
    const row = rows[0];
    if (!row) return undefined;
    if (!isGenerationPolicyVersion(row.generation))
      throw new Error(
        `path ${pathId} runs the generation version "${row.generation}", which is unknown here`,
      );
    return {
      status: row.status,
      pathId: row.path_id,
      trackId: row.track_id,
      config: row.config,
      generation: row.generation,
      clock: row.clock,
      proposals: row.proposals,
      tasks: row.tasks,
      pendingReviews: row.pending_reviews,
    };
  }

  /** Inserts or updates the path's state as of a fact: the path's owner and creation time are set once. */
  async save(
    generation: PathGeneration,
    fact: { userId: string; occurredAt: string },
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO task_generation.generation_paths
              (path_id, user_id, track_id, status, config, clock, proposals, tasks, pending_reviews,
               created_at, updated_at, generation)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
       ON CONFLICT (path_id) DO UPDATE
          SET status = $4, config = $5, clock = $6, proposals = $7, tasks = $8,
              pending_reviews = $9, updated_at = $10, generation = $11`,
      [
        generation.pathId,
        fact.userId,
        generation.trackId,
        generation.status,
        JSON.stringify(generation.config),
        generation.clock,
        generation.proposals,
        JSON.stringify(generation.tasks),
        JSON.stringify(generation.pendingReviews),
        fact.occurredAt,
        generation.generation,
      ],
    );
  }
}
