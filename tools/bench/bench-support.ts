import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { startInfrastructure, testProcessEnv, type Infrastructure } from '@studypath/testing';
import { Client } from 'pg';

export interface BenchContext {
  infra: Infrastructure;
  /** The admin connection, for server-level queries. */
  admin: Client;
  /** A fresh database on the benchmark's PostgreSQL; dropped when the benchmark ends. Returns its URL. */
  createDatabase(prefix: string): Promise<string>;
  /**
   * The environment of a server under benchmark (a child process) on these servers and the
   * database at `databaseUrl`, verifying `testToken`s; `env` adds to it or overrides it.
   */
  serverEnv(databaseUrl: string, env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  log(line: string): void;
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Runs a benchmark as a command: finds or starts the real servers (as the tests do), gives it
 * throwaway databases, cleans up whatever happens, and exits 0 or 1.
 */
export function runBench(bench: (context: BenchContext) => Promise<void>): void {
  const run = async (): Promise<void> => {
    const infra = await startInfrastructure(path.resolve(__dirname, '../..'), (line) =>
      log(`[infra] ${line}`),
    );
    const admin = new Client({ connectionString: infra.postgres.url });
    await admin.connect();
    const databases: string[] = [];
    try {
      await bench({
        infra,
        admin,
        log,
        async createDatabase(prefix: string): Promise<string> {
          const name = `sp_bench_${prefix}_${randomUUID().slice(0, 8)}`;
          await admin.query(`CREATE DATABASE ${name}`);
          databases.push(name);
          const url = new URL(infra.postgres.url);
          url.pathname = `/${name}`;
          return url.toString();
        },
        serverEnv: (databaseUrl, env = {}) =>
          testProcessEnv({
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            LOG_LEVEL: 'log', // the start line says where the server listens
            DATABASE_URL: databaseUrl,
            REDIS_URL: infra.redis.url,
            KAFKA_BROKERS: infra.kafka.brokers.join(','),
            KAFKA_NAMESPACE: `bench${randomUUID().slice(0, 6)}.`,
            // To profile the server under the benchmark: BENCH_SERVER_NODE_OPTIONS=--cpu-prof
            NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS,
            ...env,
          }),
      });
    } finally {
      for (const name of databases)
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await infra.stop();
    }
  };
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
