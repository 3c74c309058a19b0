import { PGlite } from '@electric-sql/pglite';
import { PgliteSessionServer } from './pglite-session-server';

/** PostgreSQL in this process: PGlite served over the wire protocol on loopback. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (in memory, or in `dataDir` to keep data across runs) behind a session
 * server, so the production `pg` driver, schema, migrations and repositories run unchanged.
 * PGlite is one session: the server gives it to one connection's transaction at a time.
 */
export async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const server = new PgliteSessionServer({ db });
  const address = await server.start();
  return {
    url: `postgres://postgres@${address}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
