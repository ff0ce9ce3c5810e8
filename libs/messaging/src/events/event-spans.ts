import { SpanKind, type Attributes, type SpanOptions } from '@opentelemetry/api';
import type { EventEnvelope } from '@studypath/contracts';
import type { IncomingMessage } from '../bus/message-bus';

/**
 * The OpenTelemetry messaging semantic conventions' attributes we set (still "development" in
 * @opentelemetry/semantic-conventions, so named here rather than imported from its incubating
 * entry point, as its README advises).
 */
export const MessagingAttributes = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destinationName: 'messaging.destination.name',
  partitionId: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  bodySize: 'messaging.message.body.size',
  kafkaKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
  eventType: 'studypath.event_type',
} as const;

function eventAttributes(event: EventEnvelope): Attributes {
  return {
    [MessagingAttributes.messageId]: event.event_id,
    [MessagingAttributes.conversationId]: event.correlation_id,
    [MessagingAttributes.kafkaKey]: event.user_id,
    [MessagingAttributes.eventType]: event.event_type,
  };
}

/** The producer span of one event's publish: `send <topic>`. */
export function sendSpan(
  event: EventEnvelope,
  topic: string,
  system: string,
  bodySize: number,
): { name: string } & SpanOptions {
  return {
    name: `send ${topic}`,
    kind: SpanKind.PRODUCER,
    attributes: {
      [MessagingAttributes.system]: system,
      [MessagingAttributes.operationType]: 'send',
      [MessagingAttributes.operationName]: 'send',
      [MessagingAttributes.destinationName]: topic,
      [MessagingAttributes.bodySize]: bodySize,
      ...eventAttributes(event),
    },
  };
}

/** Who consumes: the consumer group, and the bus it is on (`kafka` or `in-process`). */
export interface ConsumerIdentity {
  group: string;
  system: string;
}

/** The consumer span of one handling of an event: `process <topic>`. */
export function processSpan(
  event: EventEnvelope,
  message: IncomingMessage,
  consumer: ConsumerIdentity,
): { name: string } & SpanOptions {
  return {
    name: `process ${message.topic}`,
    kind: SpanKind.CONSUMER,
    attributes: {
      [MessagingAttributes.system]: consumer.system,
      [MessagingAttributes.operationType]: 'process',
      [MessagingAttributes.operationName]: 'process',
      [MessagingAttributes.destinationName]: message.topic,
      [MessagingAttributes.partitionId]: String(message.partition),
      [MessagingAttributes.consumerGroup]: consumer.group,
      [MessagingAttributes.kafkaOffset]: Number(message.offset),
      [MessagingAttributes.bodySize]: Buffer.byteLength(message.value),
      ...eventAttributes(event),
    },
  };
}
