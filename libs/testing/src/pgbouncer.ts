import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freeTcpPort } from './free-port';
import type { TestService } from './services';

/** Where Debian's `pgbouncer` package puts the binary (`.ci/run` installs it). */
const PGBOUNCER = '/usr/sbin/pgbouncer';

/**
 * A real PgBouncer in front of `databaseUrl`'s server, in the given pool mode, on a free
 * loopback port; `url` reaches the same database through it. Started as its own process
 * (as the `postgres` user when the test runs as root: PgBouncer refuses to run as root).
 * Throws, never skips, when the binary is missing.
 */
export async function startPgBouncer(
  databaseUrl: string,
  poolMode: 'session' | 'transaction' | 'statement',
  options: { ignoreStartupParameters?: boolean } = {},
): Promise<TestService> {
  if (!existsSync(PGBOUNCER))
    throw new Error(`${PGBOUNCER} is missing: install Debian's pgbouncer (.ci/run does)`);
  const target = new URL(databaseUrl);
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-pgbouncer-'));
  chmodSync(dir, 0o777);
  const user = decodeURIComponent(target.username) || 'postgres';
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${poolMode}`,
      'default_pool_size = 4',
      // pg sends these at connect time; PgBouncer refuses unknown ones unless told to ignore.
      options.ignoreStartupParameters === false
        ? ''
        : 'ignore_startup_parameters = statement_timeout,idle_in_transaction_session_timeout',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  const child = spawn(PGBOUNCER, [...asRoot, join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  // Ready once a query goes through it to the server.
  for (let attempt = 0; ; attempt++) {
    const client = new Client({ connectionString: url.toString() });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (attempt >= 50 || child.exitCode !== null)
        throw new Error(`PgBouncer did not start: ${String(error)}`);
      await sleep(100);
    }
  }
  return {
    url: url.toString(),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
