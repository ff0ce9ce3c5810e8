import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgresServer } from './embedded-postgres.server';

async function query(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('EmbeddedPostgresServer (a real cluster)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'studypath-embedded-'));
    // As root, PostgreSQL runs as the postgres user, who must be able to traverse to the cluster.
    await fs.chmod(dir, 0o755);
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps a random password only its user can read, and moves an old fixed-password cluster to it', async () => {
    const options = {
      dataDir: path.join(dir, 'postgres'),
      port: 20_000 + Math.floor(Math.random() * 20_000),
      database: 'studypath',
    };
    const first = new EmbeddedPostgresServer(options);
    await first.start();
    try {
      const password = (await fs.readFile(first.passwordFile, 'utf8')).trim();
      expect((await fs.stat(first.passwordFile)).mode & 0o777).toBe(0o600);
      expect(password).toMatch(/^[\w-]{32}$/);
      expect(first.url).toContain(`:${password}@127.0.0.1:`);
      await query(first.url, 'SELECT 1');
      // What a cluster made before passwords were random looks like.
      await query(first.url, "ALTER ROLE postgres PASSWORD 'studypath-embedded'");
    } finally {
      await first.stop();
    }
    await fs.rm(first.passwordFile);

    const again = new EmbeddedPostgresServer(options);
    await again.start();
    try {
      const password = (await fs.readFile(again.passwordFile, 'utf8')).trim();
      expect(password).not.toBe('studypath-embedded');
      await query(again.url, 'SELECT 1');
      await expect(
        query(again.url.replace(encodeURIComponent(password), 'studypath-embedded'), 'SELECT 1'),
      ).rejects.toThrow(/password authentication failed/);
    } finally {
      await again.stop();
    }
  }, 120_000);
});
