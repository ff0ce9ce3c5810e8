import type { Enveloped, NewEvent } from '@studypath/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { Decider } from '@studypath/decider';
import { inSpan } from '@studypath/platform';
import { ConcurrencyError } from './errors';
import type { PostgresEventStore } from './postgres-event-store';

export interface HandleCommandOptions<Event> {
  streamType: string;
  userId: string;
  correlationId?: string;
  causationId?: string | null;
  /** Run inside the caller's transaction (e.g. an inbox's). */
  manager?: EntityManager;
  /** Times to re-run after a ConcurrencyError when running in its own transaction (default 3). */
  conflictRetries?: number;
  /** Runs in the same transaction after the append: inline projections. */
  afterAppend?: (events: Enveloped<Event>[], manager: EntityManager) => Promise<void>;
}

export interface CommandResult<Event, State> {
  events: Enveloped<Event>[];
  /** The aggregate's state before the command. */
  state: State;
  version: number;
}

/** What a command is called in its span: its `type` when it has one (`submit`, `start`, ...). */
function commandName(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'command';
}

/**
 * The one way commands run: in a transaction, fold the stream, decide, append the new events under
 * the version that was read (so a concurrent change raises ConcurrencyError instead of being
 * overwritten), and update the inline projections before commit. One span per command: the events
 * it appends record it as their traceparent, so their consumers continue the trace from here.
 */
export function handleCommand<Command, Event extends NewEvent, State>(
  store: PostgresEventStore,
  dataSource: DataSource,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleCommandOptions<Event>,
): Promise<CommandResult<Event, State>> {
  const name = commandName(command);
  return inSpan(
    `${options.streamType} ${name}`,
    {
      attributes: {
        'studypath.command': name,
        'studypath.stream_type': options.streamType,
        'studypath.stream_id': streamId,
      },
    },
    async (span) => {
      const result = await runCommand(store, dataSource, streamId, decider, command, options);
      span?.setAttribute(
        'studypath.events',
        result.events.map((e) => e.event_type),
      );
      return result;
    },
  );
}

async function runCommand<Command, Event extends NewEvent, State>(
  store: PostgresEventStore,
  dataSource: DataSource,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleCommandOptions<Event>,
): Promise<CommandResult<Event, State>> {
  const run = async (manager: EntityManager): Promise<CommandResult<Event, State>> => {
    const { state, version } = await store.aggregateStream(streamId, decider, { manager });
    const decided = decider.decide(command, state);
    if (decided.length === 0) return { events: [], state, version };
    const { events } = await store.append(streamId, decided, {
      expectedVersion: version === 0 ? 'no_stream' : version,
      streamType: options.streamType,
      userId: options.userId,
      correlationId: options.correlationId,
      causationId: options.causationId,
      manager,
    });
    await options.afterAppend?.(events, manager);
    return { events, state, version };
  };
  if (options.manager) return run(options.manager);
  return retryOnConflict(() => dataSource.transaction(run), options.conflictRetries);
}

/**
 * Runs a transaction again when another writer appended between its read and its append (a
 * user's click racing a system event): it reads again and decides again; the rules still apply,
 * so nothing is forced through. At most `attempts` runs; other errors are not retried.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
    }
  }
}
