import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of the broker whose existing connections can be frozen: bytes
 * stop flowing both ways but neither socket is closed, as when a network path silently dies
 * (a dropped route, a paused VM). Only a heartbeat can tell such a connection is gone.
 * Connections made after a freeze flow normally, so a client can reconnect through it.
 */
export class FreezableProxy {
  private readonly pairs: Array<{ client: Socket; upstream: Socket }> = [];
  private readonly server: Server;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.forward(client));
  }

  /** Listens on a free loopback port and forwards each connection to `target`. */
  static async start(target: { host: string; port: number }): Promise<FreezableProxy> {
    const proxy = new FreezableProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The loopback port the proxy listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections opened through the proxy so far. */
  get connectionCount(): number {
    return this.pairs.length;
  }

  /** Stops forwarding on every connection open now, without closing any of them. */
  freezeExisting(): void {
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const swallow = () => undefined;
    client.on('error', swallow);
    upstream.on('error', swallow);
    client.pipe(upstream);
    upstream.pipe(client);
    this.pairs.push({ client, upstream });
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
