import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

/*
 * Work that must happen only once a transaction has committed (counting what it recorded): run
 * now when `manager` holds no open transaction, else when its outermost transaction commits, and
 * never when it rolls back (a retried command, an inbox transaction that failed, counts once).
 */

const pending = new WeakMap<QueryRunner, (() => void)[]>();
const hooked = new WeakSet<DataSource>();

export function afterCommit(
  dataSource: DataSource,
  manager: EntityManager | undefined,
  work: () => void,
): void {
  const runner = manager?.queryRunner;
  if (!runner?.isTransactionActive) {
    work();
    return;
  }
  hook(dataSource);
  const list = pending.get(runner) ?? [];
  list.push(work);
  pending.set(runner, list);
}

function hook(dataSource: DataSource): void {
  if (hooked.has(dataSource)) return;
  hooked.add(dataSource);
  const subscriber: EntitySubscriberInterface = {
    afterTransactionCommit({ queryRunner }) {
      // A released savepoint is not the commit: wait for the outermost transaction's.
      if (queryRunner.isTransactionActive) return;
      const list = pending.get(queryRunner);
      if (!list) return;
      pending.delete(queryRunner);
      for (const work of list) work();
    },
    afterTransactionRollback({ queryRunner }) {
      if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
    },
  };
  dataSource.subscribers.push(subscriber);
}
