import type { DataSource, EntityManager } from 'typeorm';
import {
  evolveBoard,
  evolveProgress,
  initialBoard,
  initialProgress,
  type PathStatus,
  type ProgressState,
  type TaskBoard,
} from '../domain';
import type { TaskStreamEvent } from './progress.projector';

/** A path's read model built in memory: what one row of `path_progress` holds. */
export interface ReplayedPath {
  path_id: string;
  user_id: string;
  status: PathStatus;
  state: ProgressState;
  board: TaskBoard;
  positions: Record<string, number>;
  version: number;
}

/**
 * Builds read models from a history in memory, the way a rebuild does: the same fold and the same
 * position guard as the live projector (ProgressProjector), without a transaction per event. The
 * rows are written in batches by `writeReplayed`. Deliberately not used live: there, each event's
 * effect must commit with its mastery update.
 */
export class ProgressReplay {
  private readonly paths = new Map<string, ReplayedPath>();

  /** Applies one event; false when it was applied before (a redelivery). */
  apply(event: TaskStreamEvent): boolean {
    const pathId = event.data.path_id;
    let path = this.paths.get(pathId);
    if (!path) {
      path = {
        path_id: pathId,
        user_id: event.user_id,
        status: 'active',
        state: initialProgress(),
        board: initialBoard(),
        positions: {},
        version: 0,
      };
      this.paths.set(pathId, path);
    }
    if ((path.positions[event.stream_id] ?? 0) >= event.stream_position) return false;
    path.state = evolveProgress(path.state, event);
    path.board = evolveBoard(path.board, event);
    path.status = path.board.status;
    path.positions[event.stream_id] = event.stream_position;
    path.version += 1;
    return true;
  }

  /** Paths built before (read back from a table), to go on from. */
  seed(rows: ReplayedPath[]): void {
    for (const row of rows) this.paths.set(row.path_id, row);
  }

  has(pathId: string): boolean {
    return this.paths.has(pathId);
  }

  get size(): number {
    return this.paths.size;
  }

  /** The paths built so far, forgotten here: for histories delivered path by path. */
  drain(): ReplayedPath[] {
    const rows = [...this.paths.values()];
    this.paths.clear();
    return rows;
  }
}

/** `path_progress`'s columns a replay writes (the generated ones follow from `state`). */
const REPLAYED_COLUMNS =
  'path_id uuid, user_id varchar(255), status text, state jsonb, board jsonb, positions jsonb, version int';

/**
 * Writes replayed rows into `table` (`analytics.path_progress` or a rebuild's fresh copy of it):
 * one statement per batch, the batch sent as one JSON parameter; a row already there is replaced.
 */
export async function writeReplayed(
  db: DataSource | EntityManager,
  table: string,
  rows: ReplayedPath[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO ${table} (path_id, user_id, status, state, board, positions, version)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${REPLAYED_COLUMNS})
     ON CONFLICT (path_id) DO UPDATE
        SET user_id = excluded.user_id, status = excluded.status, state = excluded.state,
            board = excluded.board, positions = excluded.positions, version = excluded.version,
            updated_at = now()`,
    [JSON.stringify(rows)],
  );
}
