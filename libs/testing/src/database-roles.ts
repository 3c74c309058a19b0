import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { WORKSPACE_ROOT } from './bundle-process';

/** The operator's script that creates linebacker's roles (docs/security.md). */
export const POSTGRES_ROLES_SCRIPT = join(WORKSPACE_ROOT, 'tools', 'security', 'postgres-roles.sh');

/**
 * What a login is for: the schema owner, an app (linebacker_app), a reader, an operator
 * (reader and linebacker_retention), or `none`: a login of no linebacker group (made by this
 * helper, not the script), refused even CONNECT.
 */
export type LoginKind = 'owner' | 'app' | 'reader' | 'operator' | 'none';

/** Logins a test created in one database, each with its own URL. */
export interface TestDatabaseRoles {
  /** The login's role name (unique in the cluster). */
  login(name: string): string;
  /** The database's URL, logging in as that login with its password. */
  url(name: string): string;
  /** Drops every login; call it after the database is dropped (the owner owns it). */
  drop(): Promise<void>;
}

/**
 * Creates logins in the database behind `databaseUrl` with the very script an operator runs
 * (`tools/security/postgres-roles.sh`), connected as that URL's superuser. Roles are
 * cluster-wide and suites run in parallel, so each name gets a random prefix: `{ app:
 * ['check_allowed'] }` becomes `lbt_<hex>_check_allowed`. Needs `psql` on the PATH.
 */
export async function createDatabaseRoles(
  databaseUrl: string,
  logins: Partial<Record<LoginKind, readonly string[]>>,
): Promise<TestDatabaseRoles> {
  const admin = new URL(databaseUrl);
  const prefix = `lbt_${randomBytes(4).toString('hex')}`;
  const passwords = new Map<string, string>();
  const args: string[] = [];
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    PGHOST: admin.hostname,
    PGPORT: admin.port || '5432',
    PGUSER: decodeURIComponent(admin.username) || 'postgres',
    PGPASSWORD: decodeURIComponent(admin.password),
    PGDATABASE: admin.pathname.slice(1),
  };
  for (const [kind, names] of Object.entries(logins)) {
    for (const name of names ?? []) {
      const login = `${prefix}_${name}`;
      const password = randomBytes(12).toString('hex');
      passwords.set(name, password);
      env[`${login.toUpperCase()}_PASSWORD`] = password;
      if (kind !== 'none') args.push(`${kind}:${login}`);
    }
  }
  try {
    if (args.length > 0)
      await promisify(execFile)(POSTGRES_ROLES_SCRIPT, args, { env, timeout: 30_000 });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: unknown };
    if (code === 'ENOENT') throw new Error(`${POSTGRES_ROLES_SCRIPT} needs sh and psql`);
    throw new Error(`postgres-roles.sh failed: ${stderr ?? String(error)}`);
  }
  const outsiders = logins.none ?? [];
  if (outsiders.length > 0) {
    await withServer(databaseUrl, async (client) => {
      // The password is hex, safe as a literal; it matters where the server checks passwords.
      for (const name of outsiders)
        await client.query(
          `CREATE ROLE ${prefix}_${name} LOGIN PASSWORD '${passwords.get(name) ?? ''}'`,
        );
    });
  }
  const loginOf = (name: string): string => {
    if (!passwords.has(name)) throw new Error(`no login ${name} was created`);
    return `${prefix}_${name}`;
  };
  return {
    login: loginOf,
    url: (name) => {
      const url = new URL(databaseUrl);
      url.username = loginOf(name);
      url.password = passwords.get(name) ?? '';
      return url.toString();
    },
    drop: () =>
      withServer(databaseUrl, async (client) => {
        for (const name of passwords.keys())
          await client.query(`DROP ROLE IF EXISTS ${loginOf(name)}`);
      }),
  };
}

/** Runs `work` on a superuser connection to the server's `postgres` database. */
async function withServer(databaseUrl: string, work: (client: Client) => Promise<void>) {
  const server = new URL(databaseUrl);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString() });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
