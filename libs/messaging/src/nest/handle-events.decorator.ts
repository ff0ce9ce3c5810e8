import { SetMetadata } from '@nestjs/common';
import type { AppConfig } from '@studypath/platform';
import type { RetryPolicy } from '../bus/message-bus';

export const HANDLE_EVENTS = Symbol('studypath:handle-events');

export interface HandleEventsOptions {
  /** The consumer group, e.g. `task-generation`: every replica of the service shares it. */
  group: string;
  topic: string;
  /** Only these event types reach the method; others are acknowledged and skipped. */
  eventTypes?: readonly string[];
  retry?: Partial<RetryPolicy>;
  /** Partitions handled at once; a function reads it from the configuration at start-up. */
  partitionConcurrency?: number | ((config: AppConfig) => number);
}

/**
 * Declares a provider method as the handler of a topic's events for a consumer group. The method
 * receives the decoded, validated, upcast EventEnvelope; when it returns, the message counts as
 * handled (so it should commit its transaction first, e.g. through the Inbox).
 */
export const HandleEvents = (options: HandleEventsOptions): MethodDecorator =>
  SetMetadata(HANDLE_EVENTS, options);
