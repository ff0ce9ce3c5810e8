import type { DataSource, EntityManager } from 'typeorm';
import {
  applyProgress,
  evolveBoard,
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
    applyProgress(path.state, event);
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

  /** The ids of the paths held. */
  held(): IterableIterator<string> {
    return this.paths.keys();
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

export interface ReplayIntoTableOptions {
  /** The most paths held in memory; beyond, they are written out and read back when needed. */
  pathsInMemory?: number;
  /** Rows per INSERT: a statement's parameter stays a few megabytes. */
  rowsPerStatement?: number;
}

/**
 * Folds a history into `table` in memory by path, with bounded memory: when more than
 * `pathsInMemory` paths are held they are written out (while the fold goes on with what follows:
 * at most one write in flight), and a path seen again after that is read back first.
 */
export class ReplayIntoTable {
  private readonly replay = new ProgressReplay();
  private writing: Promise<void> = Promise.resolve();
  private readonly pathsInMemory: number;
  private readonly rowsPerStatement: number;

  constructor(
    private readonly db: DataSource | EntityManager,
    private readonly table: string,
    options: ReplayIntoTableOptions = {},
    /** The paths already in `table` (shared by the passes of one rebuild); added to as they are written. */
    private readonly written = new Set<string>(),
  ) {
    this.pathsInMemory = options.pathsInMemory ?? 5_000;
    this.rowsPerStatement = options.rowsPerStatement ?? 500;
  }

  /** Paths folded so far (held or written). */
  get paths(): number {
    let held = 0;
    for (const row of this.replay.held()) if (!this.written.has(row)) held += 1;
    return this.written.size + held;
  }

  /** Folds `events` (each path's streams in order; redeliveries are skipped by position). */
  async apply(events: readonly TaskStreamEvent[]): Promise<void> {
    const missing = new Set<string>();
    for (const event of events) {
      const pathId = event.data.path_id;
      if (!this.replay.has(pathId) && this.written.has(pathId)) missing.add(pathId);
    }
    if (missing.size > 0) {
      await this.writing; // a path read back must have been written first
      this.replay.seed(await this.read([...missing]));
    }
    for (const event of events) this.replay.apply(event);
    if (this.replay.size > this.pathsInMemory) {
      await this.writing;
      const rows = this.replay.drain();
      const write = this.write(rows);
      write.catch(() => undefined); // awaited (and thrown) at the next step
      this.writing = write;
    }
  }

  /** Writes what is still held; resolves when everything folded is in the table. */
  async finish(): Promise<void> {
    await this.writing;
    await this.write(this.replay.drain());
  }

  /** Marks the rows written at once: a path in flight is read back (after the write), not begun anew. */
  private async write(rows: ReplayedPath[]): Promise<void> {
    for (const row of rows) this.written.add(row.path_id);
    for (let i = 0; i < rows.length; i += this.rowsPerStatement)
      await writeReplayed(this.db, this.table, rows.slice(i, i + this.rowsPerStatement));
  }

  private async read(pathIds: string[]): Promise<ReplayedPath[]> {
    return (await this.db.query(
      `SELECT path_id, user_id, status, state, board, positions, version FROM ${this.table}
        WHERE path_id = ANY($1::uuid[])`,
      [pathIds],
    )) as ReplayedPath[];
  }
}
