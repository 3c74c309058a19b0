import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { freeTcpPort } from './rabbitmq-node';
import { waitFor } from './wait-for';

/** Azurite's well-known development account (public, documented by Microsoft). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The connection string of Azurite's dev account on a queue endpoint. */
export function azuriteConnectionString(port: number): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `QueueEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`
  );
}

/**
 * A real Azurite queue service, started from its npm binary on 127.0.0.1 with a throwaway
 * data folder; `kill` and `restart` keep the port and the data, as an outage would.
 */
export class Azurite {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly location: string,
  ) {}

  /** Starts Azurite on a free port and waits until it answers. */
  static async start(): Promise<Azurite> {
    const azurite = new Azurite(await freeTcpPort(), mkdtempSync(join(tmpdir(), 'azurite-')));
    await azurite.restart();
    return azurite;
  }

  /** The running process's pid (undefined while killed), for the bench's CPU figures. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The dev account's connection string. */
  get connectionString(): string {
    return azuriteConnectionString(this.port);
  }

  /** Starts the process again (after `kill`) and waits until it answers. */
  async restart(): Promise<void> {
    // The package's `azurite-queue` binary, run with this node.
    const binary = join(dirname(require.resolve('azurite/package.json')), 'dist/src/queue/main.js');
    this.child = spawn(
      process.execPath,
      [
        binary,
        '--queueHost',
        '127.0.0.1',
        '--queuePort',
        String(this.port),
        '--location',
        this.location,
        '--skipApiVersionCheck',
        '--loose',
        '--silent',
      ],
      { stdio: 'ignore' },
    );
    const service = QueueServiceClient.fromConnectionString(this.connectionString, {
      retryOptions: { maxTries: 1, tryTimeoutInMs: 1000 },
    });
    await waitFor(
      async () => {
        try {
          await service.getProperties();
          return true;
        } catch {
          return false;
        }
      },
      'Azurite answering',
      // It reloads its store on start, slowly on a loaded machine.
      90_000,
      200,
    );
  }

  /**
   * Takes the service away (connections refused until `restart`). SIGTERM, not SIGKILL:
   * Azurite writes its store to disk only every 5 s and on shutdown, so a SIGKILL loses
   * messages it had already acknowledged with 201, which the real service never does; the
   * outage under test is the service's, not the emulator's durability.
   */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Kills the process and removes its data folder. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.location, { recursive: true, force: true });
  }
}
