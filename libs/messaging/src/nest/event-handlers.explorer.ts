import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { EventEnvelope } from '@studypath/contracts';
import { APP_CONFIG, type AppConfig } from '@studypath/platform';
import { MessageBus, type Subscription } from '../bus/message-bus';
import { eventHandler } from '../events/event-codec';
import { HANDLE_EVENTS, type HandleEventsOptions } from './handle-events.decorator';

type Handler = (event: EventEnvelope) => Promise<void>;

interface Route {
  topic: string;
  types?: Set<string>;
  handle: Handler;
}

/**
 * Finds every @HandleEvents method of the application's providers and subscribes them, one
 * subscription per consumer group (its methods run in declaration order). Stops them all,
 * draining, when the application shuts down.
 */
@Injectable()
export class EventHandlersExplorer implements OnModuleDestroy {
  private readonly logger = new Logger('EventHandlers');
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly bus: MessageBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async subscribeAll(): Promise<void> {
    // One subscription per consumer group, over all the topics its methods handle: Kafka wants
    // every member of a group subscribed to the same topics.
    const groups = new Map<string, { options: HandleEventsOptions[]; handlers: Route[] }>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const options = this.reflector.get<HandleEventsOptions | undefined>(HANDLE_EVENTS, method);
        if (!options) continue;
        const group = groups.get(options.group) ?? { options: [], handlers: [] };
        group.options.push(options);
        group.handlers.push({
          topic: options.topic,
          types: options.eventTypes ? new Set(options.eventTypes) : undefined,
          handle: (event) => (method as Handler).call(instance, event),
        });
        groups.set(options.group, group);
      }
    }
    for (const [group, { options, handlers }] of groups) {
      const topics = [...new Set(handlers.map((h) => h.topic))];
      const wanted = handlers.some((h) => !h.types)
        ? undefined
        : [...new Set(handlers.flatMap((h) => [...(h.types ?? [])]))];
      const subscription = await this.bus.subscribe({
        group,
        topics,
        retry: options.find((o) => o.retry)?.retry,
        partitionConcurrency: Math.max(
          ...options.map((o) =>
            typeof o.partitionConcurrency === 'function'
              ? o.partitionConcurrency(this.config)
              : (o.partitionConcurrency ?? 1),
          ),
        ),
        handler: async (message) => {
          const mine = handlers.filter((h) => h.topic === message.topic);
          await eventHandler(
            async (event) => {
              for (const handler of mine) {
                if (!handler.types || handler.types.has(event.event_type))
                  await handler.handle(event);
              }
            },
            { eventTypes: wanted },
          )(message);
        },
      });
      this.subscriptions.push(subscription);
      this.logger.log(
        `${group} handles ${topics.join(', ')}${wanted ? ` (${wanted.join(', ')})` : ''}`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.stop()));
  }
}
