import type { DataSource, EntityManager } from 'typeorm';

export type InboxOutcome<T> = { handled: true; result: T } | { handled: false };

/**
 * The idempotent-consumer helper: a handler's effects and the record that `consumer` handled
 * message `messageId` commit in one transaction, so a redelivered message has no second effect.
 */
export class Inbox {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = `"${schema}".inbox`;
  }

  /**
   * Runs `work` in a transaction unless `consumer` has handled `messageId` already. A concurrent
   * duplicate waits for the first to commit, then is skipped.
   */
  async handleOnce<T>(
    consumer: string,
    messageId: string,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<InboxOutcome<T>> {
    return this.dataSource.transaction(async (manager) => {
      const claimed = (await manager.query(
        `INSERT INTO ${this.table} (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
        [consumer, messageId],
      )) as unknown[];
      if (claimed.length === 0) return { handled: false } as const;
      return { handled: true, result: await work(manager) } as const;
    });
  }

  async hasHandled(consumer: string, messageId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM ${this.table} WHERE consumer = $1 AND message_id = $2`,
      [consumer, messageId],
    )) as unknown[];
    return rows.length === 1;
  }
}
