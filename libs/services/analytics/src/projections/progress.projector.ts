import { Injectable } from '@nestjs/common';
import type { Enveloped, TaskTopicEvent } from '@studypath/contracts';
import type { EntityManager } from 'typeorm';
import {
  applyProgress,
  evolveBoard,
  initialBoard,
  initialProgress,
  taskEndingOf,
  type ProgressState,
  type TaskEndingEvent,
} from '../domain';
import { ProgressRepository } from './progress.repository';

/** An event of the task stream as it is delivered: a path's or a task's. */
export type TaskStreamEvent = Enveloped<TaskTopicEvent>;

/** What applying an event left: the path's progress after it. */
export interface Applied {
  state: ProgressState;
  version: number;
  /** The task the event ended, if it ended one (for the review queue). */
  ending: TaskEndingEvent | null;
}

/**
 * Keeps `analytics.path_progress` in step with the task stream. Position-guarded: each of the
 * path's streams (`path-…`, `task-…`) is delivered in order (one Kafka key per user), so an
 * event at or below the position last applied from its stream is a redelivery and changes
 * nothing. The guard is read under the row's lock and written with the effect, in the caller's
 * transaction: each event applies exactly once.
 */
@Injectable()
export class ProgressProjector {
  constructor(private readonly repository: ProgressRepository) {}

  /** Applies one event; null when it was applied before. */
  async apply(event: TaskStreamEvent, manager: EntityManager): Promise<Applied | null> {
    const row = await this.repository.lock(
      event.data.path_id,
      event.user_id,
      { state: initialProgress(), board: initialBoard() },
      manager,
    );
    if ((row.positions[event.stream_id] ?? 0) >= event.stream_position) return null;
    const state = row.state; // read for this event alone: folded in place
    const ending = taskEndingOf(state, event); // before the fold: a pass's hints are read from it
    applyProgress(state, event);
    const board = evolveBoard(row.board, event);
    const version = row.version + 1;
    await this.repository.save(
      { path_id: row.path_id, status: board.status, state, board, version },
      event.stream_id,
      event.stream_position,
      manager,
    );
    return { state, version, ending };
  }
}
