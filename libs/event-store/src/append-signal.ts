import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

/*
 * An in-process signal that events were committed to an event log, so that the process's relay
 * publishes them at once instead of at its next poll. An append outside a transaction has
 * committed when it returns; one inside a transaction signals when that transaction commits (a
 * TypeORM subscriber on the DataSource), never before, so the relay never wakes to read events
 * it cannot see yet. Another replica's relay (when this process does not lead) still finds them
 * at its next poll.
 */

type Listener = () => void;

const listeners = new WeakMap<DataSource, Map<string, Set<Listener>>>();
/** The logs appended to in each open transaction, signalled when it commits. */
const pending = new WeakMap<QueryRunner, Set<string>>();
const hooked = new WeakSet<DataSource>();

/** Calls `listener` whenever events were committed to `log` through `dataSource`; returns the undo. */
export function onEventsCommitted(
  dataSource: DataSource,
  log: string,
  listener: Listener,
): () => void {
  let byLog = listeners.get(dataSource);
  if (!byLog) {
    byLog = new Map();
    listeners.set(dataSource, byLog);
  }
  let set = byLog.get(log);
  if (!set) {
    set = new Set();
    byLog.set(log, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

/**
 * Says that events were appended to `log`: signalled now when `manager` holds no open transaction
 * (the append has committed), else once its transaction commits.
 */
export function eventsAppended(dataSource: DataSource, log: string, manager?: EntityManager): void {
  const runner = manager?.queryRunner;
  if (!runner?.isTransactionActive) {
    signal(dataSource, log);
    return;
  }
  hook(dataSource);
  let logs = pending.get(runner);
  if (!logs) {
    logs = new Set();
    pending.set(runner, logs);
  }
  logs.add(log);
}

function signal(dataSource: DataSource, log: string): void {
  for (const listener of listeners.get(dataSource)?.get(log) ?? []) listener();
}

function hook(dataSource: DataSource): void {
  if (hooked.has(dataSource)) return;
  hooked.add(dataSource);
  const subscriber: EntitySubscriberInterface = {
    afterTransactionCommit({ queryRunner }) {
      // A released savepoint is not the commit: wait for the outermost transaction's.
      if (queryRunner.isTransactionActive) return;
      const logs = pending.get(queryRunner);
      if (!logs) return;
      pending.delete(queryRunner);
      for (const log of logs) signal(dataSource, log);
    },
    afterTransactionRollback({ queryRunner }) {
      if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
    },
  };
  dataSource.subscribers.push(subscriber);
}
