import { eventCatalog, type EventCatalog, type EventEnvelope } from '@studypath/contracts';
import { continueTrace } from '@studypath/platform';
import {
  NonRetriableError,
  type IncomingMessage,
  type MessageBus,
  type OutgoingMessage,
} from '../bus/message-bus';

/** Message headers of every event: a consumer can route and trace without parsing the value. */
export const EventHeaders = {
  eventId: 'event_id',
  eventType: 'event_type',
  schemaVersion: 'schema_version',
  traceparent: 'traceparent',
  correlationId: 'correlation_id',
  contentType: 'content-type',
} as const;

/** An event as a Kafka message: the topic of its type, keyed by user id, validated first. */
export function encodeEvent(
  event: EventEnvelope,
  catalog: EventCatalog = eventCatalog,
): OutgoingMessage {
  catalog.validate(event.event_type, event.data);
  const headers: Record<string, string> = {
    [EventHeaders.eventId]: event.event_id,
    [EventHeaders.eventType]: event.event_type,
    [EventHeaders.schemaVersion]: String(event.schema_version),
    [EventHeaders.correlationId]: event.correlation_id,
    [EventHeaders.contentType]: 'application/json',
  };
  if (event.traceparent) headers[EventHeaders.traceparent] = event.traceparent;
  return {
    topic: catalog.topicOf(event.event_type),
    key: event.user_id,
    value: JSON.stringify(event),
    headers,
  };
}

/**
 * Decodes and validates a message once, at the edge: JSON, the envelope's shape, then the event's
 * schema (upcast from older versions). A message that fails is poison: NonRetriableError.
 */
export function decodeEvent(
  message: IncomingMessage,
  catalog: EventCatalog = eventCatalog,
): EventEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value);
  } catch (error) {
    throw new NonRetriableError(`the message is not JSON: ${String(error)}`, { cause: error });
  }
  const envelope = parsed as Partial<EventEnvelope>;
  for (const field of [
    'event_id',
    'event_type',
    'stream_id',
    'user_id',
    'occurred_at',
    'correlation_id',
  ] as const) {
    if (typeof envelope[field] !== 'string') {
      throw new NonRetriableError(`the event envelope has no ${field}`);
    }
  }
  for (const field of ['schema_version', 'stream_position', 'global_position'] as const) {
    if (typeof envelope[field] !== 'number') {
      throw new NonRetriableError(`the event envelope has no ${field}`);
    }
  }
  try {
    return catalog.decode(envelope as EventEnvelope);
  } catch (error) {
    throw new NonRetriableError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

/** A RelayPublisher over the bus: each event to its topic, keyed by user, in order. */
export function eventPublisher(bus: MessageBus, catalog: EventCatalog = eventCatalog) {
  return (events: EventEnvelope[]): Promise<void> =>
    bus.publish(events.map((e) => encodeEvent(e, catalog)));
}

/**
 * Wraps an event handler as a message handler: decodes at the edge, skips types it does not want,
 * and runs the handler as the next hop of the event's trace.
 */
export function eventHandler(
  handle: (event: EventEnvelope, message: IncomingMessage) => Promise<void>,
  options: { eventTypes?: readonly string[]; catalog?: EventCatalog } = {},
) {
  const wanted = options.eventTypes ? new Set(options.eventTypes) : undefined;
  return async (message: IncomingMessage): Promise<void> => {
    const type = message.headers[EventHeaders.eventType];
    if (wanted && type && !wanted.has(type)) return;
    const event = decodeEvent(message, options.catalog);
    if (wanted && !wanted.has(event.event_type)) return;
    await continueTrace(event.traceparent ?? message.headers[EventHeaders.traceparent], () =>
      handle(event, message),
    );
  };
}
