import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { freeTcpPort } from './free-port';
import { waitFor } from './wait-for';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
/** The dev account's key. */
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The connection string of Azurite's dev account on a queue endpoint. */
export function azuriteConnectionString(port: number): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `QueueEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`
  );
}

/** How to run Azurite: plain HTTP (default), or HTTPS that also accepts Entra ID tokens. */
export interface AzuriteOptions {
  /**
   * HTTPS with a certificate for 127.0.0.1 made by `openssl` for this run (`certificatePath`),
   * and `--oauth basic`: bearer tokens are checked for audience, issuer and lifetime, not
   * for their signature, which is what lets a test's own token endpoint stand in for Entra.
   */
  httpsWithOAuth?: boolean;
  /** In a session of its own, a scheduling group of its own (see `BundleOptions.ownSession`). */
  ownSession?: boolean;
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
    private readonly options: AzuriteOptions,
  ) {}

  /** Starts Azurite on a free port and waits until it answers. */
  static async start(options: AzuriteOptions = {}): Promise<Azurite> {
    const location = mkdtempSync(join(tmpdir(), 'azurite-'));
    if (options.httpsWithOAuth)
      execFileSync(
        'openssl',
        // prettier-ignore
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
          '-addext', 'subjectAltName=IP:127.0.0.1',
          '-keyout', join(location, 'key.pem'), '-out', join(location, 'cert.pem')],
        { stdio: 'ignore' },
      );
    const azurite = new Azurite(await freeTcpPort(), location, options);
    await azurite.restart();
    return azurite;
  }

  /** The running process's pid (undefined while killed), for the bench's CPU figures. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The dev account's connection string (HTTP only). */
  get connectionString(): string {
    return azuriteConnectionString(this.port);
  }

  /** The dev account's URL, path-style. */
  get accountUrl(): string {
    const scheme = this.options.httpsWithOAuth ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${this.port}/${DEV_ACCOUNT}`;
  }

  /** The PEM file of the HTTPS certificate, for a client's NODE_EXTRA_CA_CERTS. */
  get certificatePath(): string {
    return join(this.location, 'cert.pem');
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
        ...(this.options.httpsWithOAuth
          ? ['--cert', this.certificatePath, '--key', join(this.location, 'key.pem')]
          : []),
        ...(this.options.httpsWithOAuth ? ['--oauth', 'basic'] : []),
      ],
      { stdio: 'ignore', detached: this.options.ownSession === true },
    );
    const service = QueueServiceClient.fromConnectionString(this.connectionString, {
      retryOptions: { maxTries: 1, tryTimeoutInMs: 1000 },
    });
    const answers = this.options.httpsWithOAuth
      ? () => this.answersOverHttps()
      : () => service.getProperties().then(() => true);
    await waitFor(
      async () => {
        try {
          return await answers();
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

  /** Any HTTP answer over TLS with this run's certificate means it is up. */
  private answersOverHttps(): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = httpsRequest(
        `${this.accountUrl}?comp=list`,
        { ca: readFileSync(this.certificatePath), timeout: 1000 },
        (response) => {
          response.resume();
          resolve(true);
        },
      );
      probe.on('error', () => resolve(false));
      probe.on('timeout', () => probe.destroy());
      probe.end();
    });
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
