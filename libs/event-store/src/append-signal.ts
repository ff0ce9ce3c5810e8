import type { DataSource, EntityManager } from 'typeorm';
import { afterCommit } from './after-commit';

/*
 * An in-process signal that events were committed to an event log, so that the process's relay
 * publishes them at once instead of at its next poll. It fires once the append's transaction has
 * committed (afterCommit), never before, so the relay never wakes to read events it cannot see
 * yet. Another replica's relay (when this process does not lead) still finds them at its next
 * poll.
 */

type Listener = () => void;

const listeners = new WeakMap<DataSource, Map<string, Set<Listener>>>();

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

/** Says that events were appended to `log`: signalled once the append has committed. */
export function eventsAppended(dataSource: DataSource, log: string, manager?: EntityManager): void {
  afterCommit(dataSource, manager, () => {
    for (const listener of listeners.get(dataSource)?.get(log) ?? []) listener();
  });
}
