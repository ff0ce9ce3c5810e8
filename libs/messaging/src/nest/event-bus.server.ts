import { Inject, Injectable, Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { eventCatalog, TOPIC_PARTITIONS } from '@studypath/contracts';
import { APP_CONFIG, ProcessMetrics, type AppConfig } from '@studypath/platform';
import { isObservable, lastValueFrom } from 'rxjs';
import { BusReadiness } from '../bus/bus-readiness';
import { withConsumerMetrics } from '../bus/consumer-metrics';
import {
  deadLetterTopic,
  MessageBus,
  type Subscription,
  type SubscriptionOptions,
} from '../bus/message-bus';
import { dispatchEvents } from '../events/event-codec';
import { BusContext, EVENT_ROUTE, eventPattern, type EventRoute } from './handle-events.decorator';

interface Group {
  routes: EventRoute[];
  handlers: Map<string, MessageHandler>;
}

/**
 * The NestJS transport strategy of every process: serves the @HandleEvents methods over the
 * process's MessageBus (Kafka, or the in-process bus), never Nest's own Kafka server. One
 * subscription per consumer group over the topics of all its events, because Kafka wants every
 * member of a group subscribed to the same topics; the bus commits an offset only after the
 * handler returned, retries with backoff, then dead-letters, so a poison message never blocks
 * its partition. Connected to the application by `startEventHandlers`.
 */
@Injectable()
export class EventBusServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('EventHandlers');
  private readonly subscriptions: Subscription[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly readiness: BusReadiness,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: ProcessMetrics,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.subscribeAll().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /**
   * Stops the publishers (the outbox relays), then every subscription, finishing the messages in
   * hand. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.readiness
      .closePublishers()
      .then(() => Promise.all(this.subscriptions.splice(0).map((s) => s.stop())))
      .then(() => undefined);
    return this.closing;
  }

  on(): never {
    throw new Error('the event bus transport emits no status events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private groups(): Map<string, Group> {
    const routes = new Set<EventRoute>();
    for (const handler of this.getHandlers().values()) {
      const route = handler.extras?.[EVENT_ROUTE] as EventRoute | undefined;
      if (route) routes.add(route);
    }
    const groups = new Map<string, Group>();
    for (const route of routes) {
      const group: Group = groups.get(route.group) ?? { routes: [], handlers: new Map() };
      group.routes.push(route);
      for (const { type } of route.definitions) {
        const handler = this.getHandlers().get(
          this.normalizePattern(eventPattern(route.group, type)),
        );
        // Nest chains two methods of one pattern; a group takes each event type in one place.
        if (!handler || handler.next) {
          throw new Error(`${type} needs exactly one handler in consumer group ${route.group}`);
        }
        group.handlers.set(type, handler);
      }
      groups.set(route.group, group);
    }
    return groups;
  }

  /** Subscribes a group, counting its messages (see withConsumerMetrics). */
  private subscribe(options: SubscriptionOptions): Promise<Subscription> {
    return this.bus.subscribe(withConsumerMetrics(this.metrics, options));
  }

  private async subscribeAll(): Promise<void> {
    for (const [name, group] of this.groups()) {
      const topics = [
        ...new Set(
          group.routes.flatMap((r) =>
            r.definitions.map((d) =>
              r.deadLettersOf === undefined ? d.topic : deadLetterTopic(d.topic, r.deadLettersOf),
            ),
          ),
        ),
      ];
      // A dead-letter topic may not exist yet: its group may subscribe after this one.
      await this.bus.ensureTopics(topics.map((name) => ({ name, partitions: TOPIC_PARTITIONS })));
      const subscription = await this.subscribe({
        group: name,
        topics,
        retry: group.routes.find((r) => r.retry)?.retry,
        partitionConcurrency: Math.max(
          ...group.routes.map((r) =>
            typeof r.partitionConcurrency === 'function'
              ? r.partitionConcurrency(this.config)
              : (r.partitionConcurrency ?? 1),
          ),
        ),
        handler: dispatchEvents(
          (type) => group.handlers.get(type),
          async (handler, event, message) => {
            const result: unknown = await handler(event, new BusContext([message, name]));
            if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          },
          eventCatalog,
          { group: name, system: this.bus.transport },
        ),
      });
      this.subscriptions.push(subscription);
      this.log.log(`${name} handles ${[...group.handlers.keys()].join(', ')}`);
    }
    this.readiness.markReady();
  }
}
