import { Catch, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, EventPattern } from '@nestjs/microservices';
import type { EnvelopeOf, EventDefinition } from '@studypath/contracts';
import type { AppConfig } from '@studypath/platform';
import { throwError, type Observable } from 'rxjs';
import type { IncomingMessage, RetryPolicy } from '../bus/message-bus';

export interface HandleEventsOptions {
  retry?: Partial<RetryPolicy>;
  /**
   * Takes the events that consumer group dead-lettered (its `<topic>.dlq.<group>` topics), instead
   * of the events' own topics: a service can see what its workers gave up on.
   */
  deadLettersOf?: string;
  /** Partitions handled at once; a function reads it from the configuration at start-up. */
  partitionConcurrency?: number | ((config: AppConfig) => number);
}

/** What a @HandleEvents method declares, as the transport reads it from the pattern's extras. */
export interface EventRoute extends HandleEventsOptions {
  group: string;
  definitions: readonly EventDefinition[];
}

export const EVENT_ROUTE = 'studypath:event-route';

/**
 * The Kafka (or in-process) message and the consumer group of a handler: its second argument when
 * the first is marked `@Payload()` and this one `@Ctx()` (Nest passes only the payload otherwise).
 */
export class BusContext extends BaseRpcContext<[IncomingMessage, string]> {
  getMessage(): IncomingMessage {
    return this.getArgByIndex(0);
  }

  getGroup(): string {
    return this.getArgByIndex(1);
  }
}

/** The pattern of one event type for one consumer group, as NestJS registers it. */
export function eventPattern(group: string, eventType: string): { group: string; event: string } {
  return { group, event: eventType };
}

/**
 * Hands a handler's error back to the bus unchanged: the bus retries it with backoff and then
 * dead-letters it (NonRetriableError at once). Nest's default RPC filter would log it and replace
 * it with a generic "Internal server error".
 */
@Catch()
class PassErrorsToTheBus implements RpcExceptionFilter {
  catch(error: unknown): Observable<never> {
    return throwError(() => error);
  }
}

type EventHandlerMethod<Ds extends readonly EventDefinition[]> = (
  event: EnvelopeOf<Ds[number]>,
  context: BusContext,
) => Promise<void>;

/**
 * Declares a controller method as the handler of some events for a consumer group (every replica
 * of a service shares its group). The definitions say everything else: the topics to subscribe
 * to, the event types to take (others are skipped before decoding), and the method's argument:
 * the decoded, validated, upcast envelope typed from its definition. When the method returns,
 * the message counts as handled, so it commits its transaction first (e.g. through the Inbox).
 *
 *   @HandleEvents('evaluation', [TaskSubmitted])
 *   async onSubmitted(event: EnvelopeOf<typeof TaskSubmitted>): Promise<void> { ... }
 *
 * An @EventPattern of @nestjs/microservices underneath, served by EventBusServer.
 */
export function HandleEvents<const Ds extends readonly EventDefinition[]>(
  group: string,
  definitions: Ds,
  options: HandleEventsOptions = {},
) {
  if (definitions.length === 0) throw new Error(`@HandleEvents(${group}) names no events`);
  const route: EventRoute = { group, definitions, ...options };
  return <M extends EventHandlerMethod<Ds>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    EventPattern(
      definitions.map((d) => eventPattern(group, d.type)),
      { [EVENT_ROUTE]: route },
    )(target, key, descriptor);
    UseFilters(new PassErrorsToTheBus())(target, key, descriptor);
  };
}
