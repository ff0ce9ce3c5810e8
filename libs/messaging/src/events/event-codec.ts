import { eventCatalog, type EventCatalog, type EventEnvelope } from '@studypath/contracts';
import { continueTrace, endSpanWithError, startSpanUnder } from '@studypath/platform';
import {
  NonRetriableError,
  type IncomingMessage,
  type MessageBus,
  type OutgoingMessage,
} from '../bus/message-bus';
import { processSpan, sendSpan, type ConsumerIdentity } from './event-spans';

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

/**
 * A RelayPublisher over the bus: each event to its topic, keyed by user, in order. Each event's
 * publish is a producer span (`send <topic>`) in the event's own trace, under the span that
 * appended it, however much later the relay publishes it.
 */
export function eventPublisher(bus: MessageBus, catalog: EventCatalog = eventCatalog) {
  return async (events: EventEnvelope[]): Promise<void> => {
    const messages = events.map((e) => encodeEvent(e, catalog));
    const spans = events.map((event, i) => {
      const message = messages[i] as OutgoingMessage;
      return startSpanUnder(
        event.traceparent,
        sendSpan(event, message.topic, bus.transport, Buffer.byteLength(message.value)),
      );
    });
    try {
      await bus.publish(messages);
    } catch (error) {
      for (const span of spans) if (span) endSpanWithError(span, error);
      throw error;
    }
    for (const span of spans) span?.end();
  };
}

/**
 * A message handler that routes events by type: `route` names the target of an event type (or
 * nothing, and the message is skipped), `handle` runs it. The event_type header is the one filter,
 * applied before decoding; the decoded event must agree with it. A message without the header is
 * decoded first, then routed. The target runs as the next hop of the event's trace: given who
 * consumes, a consumer span (`process <topic>`) whose parent is the span that appended the event.
 */
export function dispatchEvents<T>(
  route: (eventType: string) => T | undefined,
  handle: (target: T, event: EventEnvelope, message: IncomingMessage) => Promise<void>,
  catalog: EventCatalog = eventCatalog,
  consumer?: ConsumerIdentity,
) {
  return async (message: IncomingMessage): Promise<void> => {
    const header = message.headers[EventHeaders.eventType];
    if (header !== undefined && route(header) === undefined) return;
    const event = decodeEvent(message, catalog);
    if (header !== undefined && header !== event.event_type) {
      throw new NonRetriableError(
        `the event_type header says ${header} but the event is ${event.event_type}`,
      );
    }
    const target = route(event.event_type);
    if (target === undefined) return;
    await continueTrace(
      event.traceparent ?? message.headers[EventHeaders.traceparent],
      () => handle(target, event, message),
      consumer && processSpan(event, message, consumer),
    );
  };
}

/** Wraps one event handler as a message handler, for the given event types (default: all). */
export function eventHandler(
  handle: (event: EventEnvelope, message: IncomingMessage) => Promise<void>,
  options: { eventTypes?: readonly string[]; catalog?: EventCatalog } = {},
) {
  const wanted = options.eventTypes ? new Set(options.eventTypes) : undefined;
  return dispatchEvents(
    (type) => (!wanted || wanted.has(type) ? handle : undefined),
    (target, event, message) => target(event, message),
    options.catalog,
  );
}
