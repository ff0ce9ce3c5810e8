import type { DataSource, EntityManager } from 'typeorm';
import { CheckpointConflictError } from './errors';
import { LOG_START, type LogPosition } from './log-position';

/** Where each reader of a service's log (the relay, a projection) has got to. */
export class CheckpointStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `"${schema}".checkpoints`;
  }

  async load(name: string, manager: EntityManager = this.dataSource.manager): Promise<LogPosition> {
    const rows = (await manager.query(
      `SELECT transaction_id::text AS transaction_id, global_position FROM ${this.table} WHERE name = $1`,
      [name],
    )) as { transaction_id: string; global_position: string }[];
    const row = rows[0];
    return row
      ? { transactionId: row.transaction_id, globalPosition: Number(row.global_position) }
      : LOG_START;
  }

  /**
   * Compare-and-set: moves the checkpoint from `expected` to `next`, or throws
   * CheckpointConflictError when it is no longer at `expected`.
   */
  async store(
    name: string,
    expected: LogPosition,
    next: LogPosition,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const [rows] = (await manager.query(
      `UPDATE ${this.table} SET transaction_id = $4::xid8, global_position = $5, updated_at = now()
        WHERE name = $1 AND transaction_id = $2::xid8 AND global_position = $3
        RETURNING name`,
      [
        name,
        expected.transactionId,
        expected.globalPosition,
        next.transactionId,
        next.globalPosition,
      ],
    )) as [unknown[], number];
    if (rows.length === 1) return;
    if (
      expected.transactionId === LOG_START.transactionId &&
      expected.globalPosition === LOG_START.globalPosition
    ) {
      const inserted = (await manager.query(
        `INSERT INTO ${this.table} (name, transaction_id, global_position) VALUES ($1, $2::xid8, $3)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, next.transactionId, next.globalPosition],
      )) as unknown[];
      if (inserted.length === 1) return;
    }
    throw new CheckpointConflictError(name);
  }
}
