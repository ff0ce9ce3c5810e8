import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { BusReadiness, eventPublisher, MessageBus, MessagingModule } from '@studypath/messaging';
import {
  DatabaseModule,
  dataSourceToken,
  HealthRegistry,
  ProcessMetrics,
  type ServiceDatabaseOptions,
} from '@studypath/platform';
import type { DataSource } from 'typeorm';
import type { EventStoreTables } from './event-store.migration';
import { Inbox } from './inbox';
import { OutboxRelay } from './outbox-relay';
import { relayMetrics } from './outbox-relay.metrics';
import { OutboxRelayHealth, type RelayHealthOptions } from './outbox-relay.health';
import { PostgresEventStore } from './postgres-event-store';

/** Injection tokens of one service's event store pieces. */
export const eventStoreToken = (schema: string): string => `EventStore:${schema}`;
export const inboxToken = (schema: string): string => `Inbox:${schema}`;
const relayToken = (schema: string): string => `OutboxRelay:${schema}`;

class RelayLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private destroyed = false;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly readiness: BusReadiness,
  ) {
    // Stopped before the handlers drain: events they commit meanwhile wait in the log.
    readiness.beforeClose(() => this.onModuleDestroy());
  }

  onApplicationBootstrap(): void {
    // Not awaited: the application finishes starting while the relay waits for the subscriptions.
    // An application closed before they exist never starts its relay.
    void this.readiness.ready.then(() => {
      if (!this.destroyed) this.relay.start();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await this.relay.stop();
  }
}

/** How a service's outbox relay publishes, and when /health reports it as down. */
export interface RelaySettings {
  /** The most bytes of encoded events in one publish: below the broker's `message.max.bytes`. */
  maxBatchBytes?: number;
  health?: RelayHealthOptions;
}

/**
 * A service's database and event store, wired: its DataSource (migrated), the store and inbox on
 * it, and its outbox relay publishing the service's log to the bus from the moment the bus's
 * subscriptions exist until shutdown. /health reports the relay as `outbox:<schema>`: down when it
 * is not running, keeps failing, or falls behind (OutboxRelayHealth).
 */
@Module({})
export class EventStoreModule {
  static forService(options: {
    database: ServiceDatabaseOptions;
    eventStore: EventStoreTables;
    relay?: RelaySettings;
  }): DynamicModule {
    const tables = options.eventStore;
    const { schema } = tables;
    if (options.database.schema !== schema) {
      throw new Error(
        `the event store of ${schema} must live in the service's schema (${options.database.schema})`,
      );
    }
    const database = DatabaseModule.forService(options.database);
    return {
      module: EventStoreModule,
      imports: [database, MessagingModule],
      providers: [
        {
          provide: eventStoreToken(schema),
          inject: [dataSourceToken(schema)],
          useFactory: (dataSource: DataSource) => new PostgresEventStore(dataSource, tables),
        },
        {
          provide: inboxToken(schema),
          inject: [dataSourceToken(schema)],
          useFactory: (dataSource: DataSource) => new Inbox(dataSource, schema),
        },
        {
          provide: relayToken(schema),
          inject: [
            eventStoreToken(schema),
            dataSourceToken(schema),
            MessageBus,
            HealthRegistry,
            ProcessMetrics,
          ],
          useFactory: (
            store: PostgresEventStore,
            dataSource: DataSource,
            bus: MessageBus,
            health: HealthRegistry,
            metrics: ProcessMetrics,
          ) => {
            const relay = new OutboxRelay({
              store,
              dataSource,
              publish: eventPublisher(bus),
              maxBatchBytes: options.relay?.maxBatchBytes,
            });
            const relayHealth = new OutboxRelayHealth(
              relay,
              dataSource,
              tables,
              options.relay?.health,
            );
            health.register(relayHealth);
            metrics.addRelay(schema, relayMetrics(relay, relayHealth));
            return relay;
          },
        },
        {
          provide: `${relayToken(schema)}:lifecycle`,
          inject: [relayToken(schema), BusReadiness],
          useFactory: (relay: OutboxRelay, readiness: BusReadiness) =>
            new RelayLifecycle(relay, readiness),
        },
      ],
      exports: [database, eventStoreToken(schema), inboxToken(schema)],
    };
  }
}

/** Injects a service's PostgresEventStore. */
export const InjectEventStore = (schema: string): ParameterDecorator =>
  Inject(eventStoreToken(schema));
/** Injects a service's Inbox. */
export const InjectInbox = (schema: string): ParameterDecorator => Inject(inboxToken(schema));
