import { PATH_EVENTS, type EventEnvelope, type PathPolicies } from '@studypath/contracts';
import { handleCommand, PostgresEventStore } from '@studypath/event-store';
import type { DataSource } from 'typeorm';
import { NotFoundError } from '../domain/domain-errors';
import { pathDecider } from '../domain/path.decider';
import { PathEventStore } from '../path.database';
import { PathProjector } from '../projections/path.projector';
import { pathStream } from './streams';

/*
 * Operators' access to a path's policy versions (docs/reviews.md, "Policies"), outside the HTTP
 * API: learners do not choose the algorithms their path runs. `npm run policy` uses these against
 * the path service's database; the running service relays the event like any other.
 */

const PATH_EVENT_TYPES = new Set<string>(PATH_EVENTS.map((d) => d.type));

/** The path's owner and the versions it runs; undefined for a path that does not exist. */
export async function pathPolicies(
  dataSource: DataSource,
  pathId: string,
): Promise<{ userId: string; policies: PathPolicies; status: string } | undefined> {
  const [row] = (await dataSource.query(
    'SELECT user_id, policies, status FROM path.study_paths WHERE path_id = $1',
    [pathId],
  )) as { user_id: string; policies: PathPolicies; status: string }[];
  return row && { userId: row.user_id, policies: row.policies, status: row.status };
}

/**
 * Moves a path to other versions: `path.policies_changed` through the path's decider (an
 * archived path is refused; no change appends nothing). Returns the event, if any.
 */
export async function movePathPolicies(
  dataSource: DataSource,
  pathId: string,
  policies: Partial<PathPolicies>,
  reason: string | undefined,
): Promise<EventEnvelope | undefined> {
  const path = await pathPolicies(dataSource, pathId);
  if (!path) throw new NotFoundError(`study path ${pathId} not found`);
  const projector = new PathProjector();
  const { events } = await handleCommand(
    new PostgresEventStore(dataSource, PathEventStore),
    dataSource,
    pathStream(pathId),
    pathDecider,
    { type: 'move_policies', policies, reason },
    {
      streamType: 'path',
      userId: path.userId,
      afterAppend: (appended, manager) => projector.apply(appended, manager),
    },
  );
  return events[0];
}

/** The path's history in the log's order: its own events and its tasks', as recorded. */
export async function pathHistory(
  dataSource: DataSource,
  pathId: string,
): Promise<EventEnvelope[]> {
  const store = new PostgresEventStore(dataSource, PathEventStore);
  const events: EventEnvelope[] = [];
  for (let after = 0; ;) {
    const batch = await store.readByDataField('path_id', pathId, { after, limit: 1_000 });
    events.push(...batch.filter((e) => PATH_EVENT_TYPES.has(e.event_type)));
    const last = batch.at(-1);
    if (!last || batch.length < 1_000) return events;
    after = last.global_position;
  }
}
