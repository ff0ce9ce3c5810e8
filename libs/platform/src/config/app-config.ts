import type { LogLevel } from '@nestjs/common';
import type { ServiceName } from '@studypath/contracts';
import type { ProcessRole } from './environment';

export type DatabaseConfig =
  | { kind: 'url'; url: string; poolMax: number }
  | { kind: 'embedded'; dataDir: string; port: number; poolMax: number };

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
}

/** The validated, typed configuration of one process. Built once at start by `loadConfig`. */
export interface AppConfig {
  role: ProcessRole;
  /** `distributed` when Kafka is configured, `embedded` (in-process bus) otherwise. */
  mode: 'embedded' | 'distributed';
  /** The services this process runs: one for a service process, all five for the embedded one. */
  services: readonly ServiceName[];
  environment: 'development' | 'production' | 'test';
  http: { host: string; port: number };
  database: DatabaseConfig;
  /** Null: the in-memory cache (embedded mode only). */
  redis: { url: string } | null;
  /** Null: the in-process bus (embedded mode only). */
  kafka: KafkaConfig | null;
  /** Where the embedded process keeps its data (PostgreSQL cluster, dev keys). */
  dataDir: string;
  logLevels: LogLevel[];
  shutdownTimeoutMs: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
