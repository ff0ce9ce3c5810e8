import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { PathStatus, PeerCounts, PeerFigures, ProgressState, TaskBoard } from '../domain';

/** One row of `analytics.path_progress`: a path's read model and where it stands in its streams. */
export interface PathProgressRow {
  path_id: string;
  user_id: string;
  status: PathStatus;
  state: ProgressState;
  board: TaskBoard;
  /** The last stream position applied, per stream of the path. */
  positions: Record<string, number>;
  /** Events applied so far. */
  version: number;
  updated_at: Date;
}

const COLUMNS = 'path_id, user_id, status, state, board, positions, version, updated_at';

@Injectable()
export class ProgressRepository {
  constructor(@InjectDataSource('analytics') private readonly dataSource: DataSource) {}

  /**
   * The path's row, locked until the transaction ends (created from `initial` for a path not seen
   * before), so that events of one path apply one at a time whatever the number of consumers.
   */
  async lock(
    pathId: string,
    userId: string,
    initial: { state: ProgressState; board: TaskBoard },
    manager: EntityManager,
  ): Promise<PathProgressRow> {
    await manager.query(
      `INSERT INTO analytics.path_progress (path_id, user_id, state, board)
       VALUES ($1, $2, $3, $4) ON CONFLICT (path_id) DO NOTHING`,
      [pathId, userId, JSON.stringify(initial.state), JSON.stringify(initial.board)],
    );
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM analytics.path_progress WHERE path_id = $1 FOR UPDATE`,
      [pathId],
    )) as PathProgressRow[];
    const row = rows[0];
    if (!row) throw new Error(`path_progress ${pathId} vanished inside its transaction`);
    return row;
  }

  /** Stores the path's read model after one more event, of `streamId` at `position`. */
  async save(
    row: Pick<PathProgressRow, 'path_id' | 'status' | 'state' | 'board' | 'version'>,
    streamId: string,
    position: number,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE analytics.path_progress
          SET status = $2, state = $3, board = $4, version = $5,
              positions = positions || jsonb_build_object($6::text, $7::int), updated_at = now()
        WHERE path_id = $1`,
      [
        row.path_id,
        row.status,
        JSON.stringify(row.state),
        JSON.stringify(row.board),
        row.version,
        streamId,
        position,
      ],
    );
  }

  /** The path's row if it belongs to the user (primary key). */
  async find(userId: string, pathId: string): Promise<PathProgressRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM analytics.path_progress WHERE path_id = $1 AND user_id = $2`,
      [pathId, userId],
    )) as PathProgressRow[];
    return rows[0];
  }

  /** Index path_progress_user: the user's paths, the latest changed first. */
  async listByUser(userId: string): Promise<PathProgressRow[]> {
    return (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM analytics.path_progress WHERE user_id = $1 ORDER BY updated_at DESC`,
      [userId],
    )) as PathProgressRow[];
  }

  /**
   * For each of the given figures' modules: how many other learners of the track have attempted
   * the module, and how many of them are below on accuracy and on tasks completed. Each other
   * learner counts once, by the path of the track they changed last (archived paths not at all);
   * `excludeUserId`'s own paths never count. Only counts come back. Index path_progress_track: the
   * cost is one index range scan over the track's learners, reading their `modules` column.
   */
  async countPeersBelow(
    trackId: string,
    excludeUserId: string,
    mine: PeerFigures[],
  ): Promise<PeerCounts[]> {
    if (mine.length === 0) return [];
    const rows = (await this.dataSource.query(
      `WITH others AS (
         SELECT DISTINCT ON (user_id) modules
           FROM analytics.path_progress
          WHERE track_id = $1 AND user_id <> $2 AND status <> 'archived'
          ORDER BY user_id, updated_at DESC
       ), mine AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb) AS m(module text, accuracy float8, completed int)
       ), theirs AS (
         -- jsonb_each reads each learner's modules once (one detoast per row, not one per module)
         SELECT t.module, t.tally FROM others o CROSS JOIN LATERAL jsonb_each(o.modules) AS t(module, tally)
       )
       SELECT module,
              count(*)::int AS others,
              count(*) FILTER (
                WHERE (tally ->> 'passes')::float8 / (tally ->> 'attempts')::float8 < mine.accuracy
              )::int AS accuracy_below,
              count(*) FILTER (WHERE (tally ->> 'completed')::int < mine.completed)::int AS completed_below
         FROM theirs JOIN mine USING (module)
        WHERE (tally ->> 'attempts')::int > 0
        GROUP BY module`,
      [trackId, excludeUserId, JSON.stringify(mine)],
    )) as { module: string; others: number; accuracy_below: number; completed_below: number }[];
    return rows.map((row) => ({
      module: row.module as PeerCounts['module'],
      others: row.others,
      accuracyBelow: row.accuracy_below,
      completedBelow: row.completed_below,
    }));
  }
}
