import { promises as fs } from 'node:fs';
import { EmbeddedPostgresServer, type AppConfig } from '@studypath/platform';

/**
 * The database an operations command works on: DATABASE_URL, or the embedded process's cluster
 * under STUDYPATH_DATA_DIR (which must be running: `npm start`).
 */
export async function databaseUrl(config: AppConfig): Promise<string> {
  return config.database.kind === 'url' ? config.database.url : embeddedUrl(config.database);
}

/** The embedded cluster's address and its password, from the file beside its data. */
async function embeddedUrl(database: { dataDir: string; port: number }): Promise<string> {
  const server = new EmbeddedPostgresServer({ ...database, database: 'studypath' });
  const password = await fs.readFile(server.passwordFile, 'utf8').catch(() => {
    throw new Error(
      `no embedded PostgreSQL cluster in ${database.dataDir} (start it with npm start, or set DATABASE_URL or KAFKA_BROKERS)`,
    );
  });
  return `postgres://postgres:${encodeURIComponent(password.trim())}@127.0.0.1:${database.port}/studypath`;
}
