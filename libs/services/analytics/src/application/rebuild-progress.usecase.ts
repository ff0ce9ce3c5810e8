import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@studypath/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { TaskStreamEvent } from '../projections/progress.projector';
import { ReplayIntoTable, type ReplayIntoTableOptions } from '../projections/progress-replay';

const LIVE = 'analytics.path_progress';
const FRESH = 'analytics.path_progress_rebuild';

/** A batch of the history, and where the history goes on after it. */
export interface HistoryBatch {
  events: TaskStreamEvent[];
  /** Opaque: `read(next)` gives the batches after this one. */
  next: string;
}

/** Where a rebuild reads the task stream's full history from (docs/progress.md, "Rebuild"). */
export interface TaskStreamHistory {
  /**
   * The events after `from` (from the very first for null), in the order they were published,
   * in batches, up to the end as it is when called.
   */
  read(from: string | null): AsyncIterable<HistoryBatch>;
  /** How many events `read(null)` will give, if known: for the ETA. */
  size(): Promise<number | null>;
}

export interface RebuildProgress {
  phase: 'replay' | 'catch-up' | 'swapped';
  events: number;
  total: number | null;
  paths: number;
  elapsedMs: number;
  /** Time left at the rate so far; null while unknown. */
  etaMs: number | null;
}

type Positions = Map<string, Record<string, number>>;

/**
 * Rebuilds `analytics.path_progress` from the task stream's full history into a fresh table, then
 * swaps it in; reads are served from the live table throughout. The rebuilt table must hold exactly
 * the events the live one does when it is swapped in: an event it held beyond them would be a
 * redelivery to the live projector afterwards, and its mastery update would never be published (a
 * rebuild publishes nothing). So the replay applies only events the live table had applied when
 * it began, and the swap happens under EXCLUSIVE lock on the live table (readers go on, the live
 * projector waits) after a catch-up from the first event the replay left out, again up to what
 * the live table has applied.
 */
@Injectable()
export class RebuildProgressUseCase {
  constructor(
    @InjectDataSource('analytics') private readonly dataSource: DataSource,
    @Optional() private readonly options: ReplayIntoTableOptions = {},
  ) {}

  async execute(
    history: TaskStreamHistory,
    onProgress: (progress: RebuildProgress) => void = () => undefined,
  ): Promise<RebuildProgress> {
    const started = Date.now();
    const total = await history.size();
    let events = 0;
    let paths = 0;
    const report = (phase: RebuildProgress['phase']): RebuildProgress => {
      const elapsedMs = Date.now() - started;
      const etaMs =
        total !== null && events > 0 ? Math.max(0, ((total - events) * elapsedMs) / events) : null;
      const progress = { phase, events, total, paths, elapsedMs, etaMs };
      onProgress(progress);
      return progress;
    };

    await this.dataSource.query(`DROP TABLE IF EXISTS ${FRESH}`);
    await this.dataSource.query(`CREATE TABLE ${FRESH} (LIKE ${LIVE} INCLUDING ALL)`);
    const written = new Set<string>();
    const atStart = await this.livePositions(this.dataSource);
    const resumeFrom = await this.replayInto(
      this.dataSource,
      history,
      null,
      atStart,
      written,
      (n, p) => {
        events += n;
        paths = p;
        report('replay');
      },
    );

    await this.dataSource.transaction(async (manager) => {
      await manager.query(`LOCK TABLE ${LIVE} IN EXCLUSIVE MODE`);
      const atSwap = await this.livePositions(manager);
      await this.replayInto(manager, history, resumeFrom, atSwap, written, () => undefined);
      paths = written.size;
      report('catch-up');
      await this.swap(manager);
    });
    return report('swapped');
  }

  /**
   * Replays the history after `from` into the fresh table, the events `applied` holds only;
   * returns the cursor before the first batch with an event left out (or the end).
   */
  private async replayInto(
    db: DataSource | EntityManager,
    history: TaskStreamHistory,
    from: string | null,
    applied: Positions,
    written: Set<string>,
    onBatch: (events: number, paths: number) => void,
  ): Promise<string | null> {
    const into = new ReplayIntoTable(db, FRESH, this.options, written);
    let cursor = from;
    let leftOutFrom: string | null | undefined;
    for await (const batch of history.read(from)) {
      const included = batch.events.filter(
        (e) => (applied.get(e.data.path_id)?.[e.stream_id] ?? 0) >= e.stream_position,
      );
      if (included.length < batch.events.length && leftOutFrom === undefined) leftOutFrom = cursor;
      await into.apply(included);
      cursor = batch.next;
      onBatch(batch.events.length, into.paths);
    }
    await into.finish();
    return leftOutFrom === undefined ? cursor : leftOutFrom;
  }

  private async livePositions(db: DataSource | EntityManager): Promise<Positions> {
    const rows = (await db.query(`SELECT path_id, positions FROM ${LIVE}`)) as {
      path_id: string;
      positions: Record<string, number>;
    }[];
    return new Map(rows.map((row) => [row.path_id, row.positions]));
  }

  /** The fresh table takes the live one's name and its indexes' names (migrations refer to them). */
  private async swap(manager: EntityManager): Promise<void> {
    const indexes = async (table: string) =>
      (await manager.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'analytics' AND tablename = $1`,
        [table],
      )) as { indexname: string; indexdef: string }[];
    const shape = (def: string): string => def.replace(/^.* ON analytics\.\S+/, '');
    const old = await indexes('path_progress');
    const fresh = await indexes('path_progress_rebuild');
    await manager.query(`DROP TABLE ${LIVE}`);
    await manager.query(`ALTER TABLE ${FRESH} RENAME TO path_progress`);
    for (const index of fresh) {
      const name = old.find((o) => shape(o.indexdef) === shape(index.indexdef))?.indexname;
      if (name)
        await manager.query(`ALTER INDEX analytics."${index.indexname}" RENAME TO "${name}"`);
    }
  }
}
