import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from './service-data-source';

/** The PostgreSQL of the test run (Jest's global setup finds or starts it). */
function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run this through jest');
  return url;
}

async function backendAlive(pid: number): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    return (found.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a service DataSource on a real PostgreSQL', () => {
  let dataSource: DataSource;

  beforeEach(async () => {
    dataSource = createServiceDataSource({
      schema: 'public',
      migrations: [],
      url: databaseUrl(),
      poolMax: 2,
      applicationName: 'studypath-idle-in-transaction-test',
      idleInTransactionTimeoutMs: 1_000,
    });
    await dataSource.initialize();
  });

  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
  });

  it('has PostgreSQL end a session left idle inside a transaction, and goes on working', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const [{ pid, timeout }] = (await runner.query(
      "SELECT pg_backend_pid() AS pid, current_setting('idle_in_transaction_session_timeout') AS timeout",
    )) as { pid: number; timeout: string }[];
    expect(timeout).toBe('1s');

    // A transaction that someone forgot: it holds back the xmin horizon until it ends.
    await runner.startTransaction();
    await runner.query('SELECT 1');
    await sleep(2_500);

    expect(await backendAlive(pid)).toBe(false);
    await expect(runner.query('SELECT 1')).rejects.toThrow();
    await runner.release().catch(() => undefined);
    // The pool dropped the dead connection; the next query gets a new one.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  }, 20_000);

  it('leaves a session that is idle outside a transaction alone', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
    await sleep(2_000);

    expect(await backendAlive(pid)).toBe(true);
    expect(await runner.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    await runner.release();
  }, 20_000);

  it('survives the server ending its idle pooled connections (as a restart does)', async () => {
    const pids = (await Promise.all(
      [1, 2].map(() => dataSource.query('SELECT pg_backend_pid() AS pid, pg_sleep(0.2)')),
    )) as { pid: number }[][];
    const admin = new Client({ connectionString: databaseUrl() });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
        pids.map(([row]) => row?.pid),
      ]);
    } finally {
      await admin.end();
    }
    await sleep(200);

    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  }, 20_000);
});
