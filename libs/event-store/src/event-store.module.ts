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
  type ServiceDatabaseOptions,
} from '@studypath/platform';
import type { DataSource } from 'typeorm';
import { CheckpointStore } from './checkpoint.store';
import type { EventStoreTables } from './event-store.migration';
import { Inbox } from './inbox';
import { OutboxRelay } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';

/** Injection tokens of one service's event store pieces. */
export const eventStoreToken = (schema: string): string => `EventStore:${schema}`;
export const inboxToken = (schema: string): string => `Inbox:${schema}`;
const relayToken = (schema: string): string => `OutboxRelay:${schema}`;

class RelayLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly readiness: BusReadiness,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: the application finishes starting while the relay waits for the subscriptions.
    void this.readiness.ready.then(() => this.relay.start());
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay.stop();
  }
}

/**
 * A service's database and event store, wired: its DataSource (migrated), the store and inbox on
 * it, and its outbox
 * relay publishing the service's log to the bus from the moment the bus's subscriptions exist
 * until shutdown. /health reports the relay as `outbox:<schema>` with how far behind it is.
 */
@Module({})
export class EventStoreModule {
  static forService(options: {
    database: ServiceDatabaseOptions;
    eventStore: EventStoreTables;
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
          inject: [eventStoreToken(schema), dataSourceToken(schema), MessageBus, HealthRegistry],
          useFactory: (
            store: PostgresEventStore,
            dataSource: DataSource,
            bus: MessageBus,
            health: HealthRegistry,
          ) => {
            const relay = new OutboxRelay({ store, dataSource, publish: eventPublisher(bus) });
            const checkpoints = new CheckpointStore(dataSource, schema);
            health.register({
              healthKey: `outbox:${schema}`,
              checkHealth: async () => {
                const position = await checkpoints.load(relay.checkpointName);
                const [row] = (await dataSource.query(
                  `SELECT count(*)::int AS behind FROM "${schema}"."${tables.eventsTable}"
                    WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
                  [position.transactionId, position.globalPosition],
                )) as { behind: number }[];
                return {
                  up: true,
                  details: { events_behind: row?.behind ?? 0, published: relay.stats.published },
                };
              },
            });
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
