import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeTcpPort as freePort } from '@linebacker/testing';
import { runCommand } from './run-command';

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

/**
 * A RabbitMQ node of the harness's own: its own node name, ports, data and log directories,
 * Erlang cookie (a HOME of its own) and an empty plugin list. Every `rabbitmqctl` call names
 * this node and carries this cookie, so no command can reach the shared broker.
 */
export class PrivateRabbitMq {
  private child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly node: string,
    readonly port: number,
    private readonly distPort: number,
  ) {}

  /** Starts the node and waits until it accepts connections. */
  static async start(): Promise<PrivateRabbitMq> {
    const dir = mkdtempSync(join(tmpdir(), 'linebacker-chaos-rabbitmq-'));
    const [port, distPort] = [await freePort(), await freePort()];
    const broker = new PrivateRabbitMq(dir, `chaos-${process.pid}@localhost`, port, distPort);
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
    writeFileSync(
      join(dir, 'rabbitmq.conf'),
      `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`,
    );
    writeFileSync(join(dir, '.erlang.cookie'), randomBytes(20).toString('hex'));
    chmodSync(join(dir, '.erlang.cookie'), 0o400);
    try {
      await broker.boot();
    } catch (error) {
      await broker.destroy();
      throw error;
    }
    return broker;
  }

  /** The AMQP URL of this node. */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: this.dir,
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(this.dir, 'rabbitmq.pid'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  private async boot(): Promise<void> {
    const out = createWriteStream(join(this.dir, 'server.out'), { flags: 'a' });
    // A process group of its own: a kill takes the whole node (beam and its helpers) at once,
    // and a Ctrl-C in the harness's terminal does not reach it before the harness cleans up.
    const child = spawn(join(RABBIT_BIN, 'rabbitmq-server'), [], {
      env: this.env(),
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    this.child = child;
    const deadline = Date.now() + 120_000;
    // await_startup needs the node registered with epmd first; until then it fails at once.
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `RabbitMQ node ${this.node} exited while booting; see ${this.dir}/server.out`,
        );
      }
      try {
        await this.ctl(['await_startup', '--timeout', '60'], 90_000);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1000);
      }
    }
  }

  /** `rabbitmqctl -n <this node> …` with this node's cookie. */
  ctl(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    return runCommand(join(RABBIT_BIN, 'rabbitmqctl'), ['-n', this.node, ...args], {
      env: this.env(),
      timeoutMs,
      cwd: this.dir,
    });
  }

  /** Closes every client connection (the apps must reconnect). */
  async closeAllConnections(): Promise<void> {
    await this.ctl(['close_all_connections', 'chaos nemesis']);
  }

  /** Stops the RabbitMQ application (the Erlang node stays up). */
  async stopApp(): Promise<void> {
    await this.ctl(['stop_app']);
  }

  /** Starts the application again after `stopApp`. */
  async startApp(): Promise<void> {
    await this.ctl(['start_app']);
    await this.ctl(['await_startup', '--timeout', '90'], 120_000);
  }

  /** SIGKILLs the node's OS process (no clean shutdown at all). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child?.pid) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    if (child.exitCode === null && child.signalCode === null) await exited;
  }

  /** Boots the node again after `kill` (same data directory: durable queues come back). */
  async restart(): Promise<void> {
    await this.boot();
  }

  /** `name → messages` of every queue on the node. */
  async queueDepths(): Promise<Record<string, number>> {
    const out = await this.ctl([
      'list_queues',
      'name',
      'messages',
      '--quiet',
      '--no-table-headers',
    ]);
    const depths: Record<string, number> = {};
    for (const line of out.split('\n')) {
      const [name, messages] = line.trim().split(/\s+/);
      if (name && messages !== undefined) depths[name] = Number(messages);
    }
    return depths;
  }

  /** Stops the node and deletes its directory. */
  async destroy(): Promise<void> {
    try {
      // Its data is thrown away: no need for a clean shutdown.
      await this.kill();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
