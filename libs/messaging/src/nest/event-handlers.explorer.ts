import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { EventEnvelope } from '@studypath/contracts';
import { MessageBus, type Subscription } from '../bus/message-bus';
import { eventHandler } from '../events/event-codec';
import { HANDLE_EVENTS, type HandleEventsOptions } from './handle-events.decorator';

type Handler = (event: EventEnvelope) => Promise<void>;

/**
 * Finds every @HandleEvents method of the application's providers and subscribes it, one
 * subscription per group and topic (methods of one group on one topic share it, in declaration
 * order). Stops them all, draining, when the application shuts down.
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
  ) {}

  async subscribeAll(): Promise<void> {
    const routes = new Map<
      string,
      { options: HandleEventsOptions; handlers: { types?: Set<string>; handle: Handler }[] }
    >();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const options = this.reflector.get<HandleEventsOptions | undefined>(HANDLE_EVENTS, method);
        if (!options) continue;
        const key = `${options.group}\u0000${options.topic}`;
        const route = routes.get(key) ?? { options, handlers: [] };
        route.handlers.push({
          types: options.eventTypes ? new Set(options.eventTypes) : undefined,
          handle: (event) => (method as Handler).call(instance, event),
        });
        routes.set(key, route);
      }
    }
    for (const { options, handlers } of routes.values()) {
      const wanted = handlers.some((h) => !h.types)
        ? undefined
        : [...new Set(handlers.flatMap((h) => [...(h.types ?? [])]))];
      const subscription = await this.bus.subscribe({
        group: options.group,
        topics: [options.topic],
        retry: options.retry,
        partitionConcurrency: options.partitionConcurrency,
        handler: eventHandler(
          async (event) => {
            for (const handler of handlers) {
              if (!handler.types || handler.types.has(event.event_type))
                await handler.handle(event);
            }
          },
          { eventTypes: wanted },
        ),
      });
      this.subscriptions.push(subscription);
      this.logger.log(
        `${options.group} handles ${options.topic}${wanted ? ` (${wanted.join(', ')})` : ''}`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.stop()));
  }
}
