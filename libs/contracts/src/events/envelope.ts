/**
 * What every event on every topic looks like: the facts of one event (`data`) and where it sits in
 * its stream and in its service's log. Field names are snake_case, as warehouse consumers read them.
 */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  event_id: string;
  event_type: TType;
  schema_version: number;
  /** The aggregate stream, e.g. `task-<uuid>` or `path-<uuid>`. */
  stream_id: string;
  /** 1-based position within the stream. */
  stream_position: number;
  /** Position within the publishing service's event log (increasing, with gaps). */
  global_position: number;
  /** The Kafka key: all of one user's events are ordered within one partition. */
  user_id: string;
  occurred_at: string;
  correlation_id: string;
  causation_id: string | null;
  /** W3C trace context of the work that produced the event. */
  traceparent: string | null;
  data: TData;
}

/** An event about to be appended: the store assigns positions; metadata comes from the context. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  event_id?: string;
  event_type: TType;
  data: TData;
  occurred_at?: string;
}
