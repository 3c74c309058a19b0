import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freeTcpPort as freePort } from '@linebacker/testing';
import { runCommand } from './run-command';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin directory (Debian layout). */
function pgBin(): string {
  if (!existsSync(PG_ROOT)) throw new Error(`no PostgreSQL under ${PG_ROOT}`);
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error(`no initdb under ${PG_ROOT}/*/bin`);
  return join(PG_ROOT, versions[0], 'bin');
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * A PostgreSQL cluster of the harness's own, in a temp directory on a free port: the nemesis
 * may restart it with `-m immediate` without touching the shared server. PostgreSQL refuses
 * to run as root, so when the harness is root the cluster belongs to `postgres`.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  /** initdb + start; resolves once it accepts connections. */
  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'linebacker-chaos-pg-'));
    if (isRoot()) {
      const { uid, gid } = await postgresIds();
      chownSync(dir, uid, gid);
    }
    const server = new PrivatePostgres(dir, await freePort(), pgBin());
    await server.asOwner('initdb', [
      '-D',
      server.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
    ]);
    await server.pgCtl('start');
    return server;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A URL of one database on this server. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates a database. */
  async createDatabase(name: string): Promise<string> {
    const admin = new Client({ connectionString: this.url(), connectionTimeoutMillis: 10_000 });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return this.url(name);
  }

  /** Crash-restart: every backend dies without a checkpoint, then crash recovery runs. */
  async restartImmediate(): Promise<void> {
    await this.pgCtl('restart', ['-m', 'immediate']);
  }

  /** Stops the server at once (`-m immediate`); `startAgain` brings it back. */
  async stopImmediate(): Promise<void> {
    await this.pgCtl('stop', ['-m', 'immediate']);
  }

  /** Starts a stopped server. */
  async startAgain(): Promise<void> {
    await this.pgCtl('start');
  }

  /** Terminates every backend connected to `database` (the apps see dropped connections). */
  async terminateBackends(database: string): Promise<number> {
    const admin = new Client({ connectionString: this.url(), connectionTimeoutMillis: 10_000 });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      return rows[0]?.n ?? 0;
    } finally {
      await admin.end();
    }
  }

  /** Stops the server (immediate: its data is thrown away anyway) and deletes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.pgCtl('stop', ['-m', 'immediate']);
    } catch {
      // Already stopped (or never started): the directory goes anyway.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private pgCtl(action: string, extra: string[] = []): Promise<string> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=300',
      // The OS never crashes in a chaos run, only the server does: fsync buys nothing here.
      '-c fsync=off',
    ].join(' ');
    return this.asOwner('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      ...extra,
      action,
      ...(action === 'stop' ? [] : ['-o', options]),
    ]);
  }

  private asOwner(tool: string, args: string[]): Promise<string> {
    const path = join(this.bin, tool);
    return isRoot()
      ? runCommand('runuser', ['-u', 'postgres', '--', path, ...args], { cwd: this.dir })
      : runCommand(path, args, { cwd: this.dir });
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    runCommand('id', ['-u', 'postgres']),
    runCommand('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
