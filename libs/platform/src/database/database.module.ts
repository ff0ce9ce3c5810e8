import {
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { HealthRegistry, type HealthReport } from '../health/health-contributor';
import {
  createServiceDataSource,
  migrateServiceSchema,
  type ServiceDatabaseOptions,
} from './service-data-source';

/** The injection token of a service's DataSource. */
export function dataSourceToken(schema: string): string {
  return `DataSource:${schema}`;
}

/** Injects the DataSource of the service that owns `schema`. */
export const InjectDataSource = (schema: string): ParameterDecorator =>
  Inject(dataSourceToken(schema));

class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class DatabaseModule {
  /**
   * A service's own DataSource, on its own schema and pool, migrated before the service starts and
   * reported on /health as `database:<schema>`.
   */
  static forService(options: ServiceDatabaseOptions): DynamicModule {
    const token = dataSourceToken(options.schema);
    const dataSourceProvider: Provider = {
      provide: token,
      inject: [APP_CONFIG, HealthRegistry],
      useFactory: async (config: AppConfig, health: HealthRegistry): Promise<DataSource> => {
        if (config.database.kind !== 'url') {
          throw new Error('the database must be started before the application module is built');
        }
        const dataSource = createServiceDataSource({
          ...options,
          url: config.database.url,
          poolMax: config.database.poolMax,
          idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
          applicationName: `studypath-${options.schema}`,
        });
        await dataSource.initialize();
        await migrateServiceSchema(dataSource, new Logger(`Database:${options.schema}`));
        health.register({
          healthKey: `database:${options.schema}`,
          checkHealth: async (): Promise<HealthReport> => {
            await dataSource.query('SELECT 1');
            const pool = (dataSource.driver as unknown as { master?: PoolStats }).master;
            return {
              up: true,
              details: pool
                ? {
                    pool_total: pool.totalCount,
                    pool_idle: pool.idleCount,
                    waiting: pool.waitingCount,
                  }
                : undefined,
            };
          },
        });
        return dataSource;
      },
    };
    const lifecycleProvider: Provider = {
      provide: `${token}:lifecycle`,
      inject: [token],
      useFactory: (dataSource: DataSource) => new DataSourceLifecycle(dataSource),
    };
    return {
      module: DatabaseModule,
      providers: [dataSourceProvider, lifecycleProvider],
      exports: [token],
    };
  }
}

interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
