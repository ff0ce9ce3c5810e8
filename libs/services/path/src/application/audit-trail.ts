import { isEnvelopeOf, PATH_EVENTS, type EventEnvelope } from '@studypath/contracts';
import type { PathLogEvent } from '../projections/path.projector';

export const AUDIT_BATCH_DEFAULT_LIMIT = 100;

/** Which part of an audit trail to read: events after a global position, at most `limit`. */
export interface AuditRange {
  after?: number;
  limit?: number;
}

/** A batch of an audit trail; `nextAfter` continues it while batches come back full. */
export interface AuditBatch {
  events: PathLogEvent[];
  nextAfter: number | null;
}

export function auditBatch(events: readonly EventEnvelope[], limit: number): AuditBatch {
  return {
    events: events.map(pathLogEvent),
    nextAfter: events.length === limit ? (events.at(-1)?.global_position ?? null) : null,
  };
}

// The store decoded each event against its definition; the path service's log holds only its own.
function pathLogEvent(event: EventEnvelope): PathLogEvent {
  if (!isEnvelopeOf(PATH_EVENTS, event)) {
    throw new Error(`the path service's log holds a ${event.event_type}, which it never writes`);
  }
  return event;
}
