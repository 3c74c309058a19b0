import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP forwarder that can freeze: while frozen, bytes stop flowing both ways and new
 * connections are accepted but never answered, as with a hung server or a dropped network
 * path (the case where a client without its own timeouts would hang for good).
 */
export class TcpFreezer {
  private readonly pairs: Array<[Socket, Socket]> = [];
  private frozen = false;
  private severed = false;
  private server?: Server;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on a free local port; resolves with it. */
  async start(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      if (this.severed) return close();
      this.pairs.push([client, upstream]);
      if (this.frozen) this.hold(client, upstream);
      else this.flow(client, upstream);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops every byte in both directions (connections stay open). */
  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) this.hold(client, upstream);
  }

  /** Lets the held bytes and new ones flow again. */
  thaw(): void {
    this.frozen = false;
    for (const [client, upstream] of this.pairs) this.flow(client, upstream);
  }

  /**
   * Cuts every forwarded connection and closes each new one at once, as with a server that
   * is stopped: clients see their connections drop and reconnects refused.
   */
  sever(): void {
    this.severed = true;
    for (const [client, upstream] of this.pairs.splice(0)) {
      client.destroy();
      upstream.destroy();
    }
  }

  /** Forwards new connections again after `sever`. */
  restore(): void {
    this.severed = false;
  }

  /** Closes the listener and every forwarded connection. */
  async stop(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private flow(client: Socket, upstream: Socket): void {
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private hold(client: Socket, upstream: Socket): void {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  }
}
