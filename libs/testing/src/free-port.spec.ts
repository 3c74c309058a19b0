import { createServer } from 'node:net';
import { ephemeralPortStart, freeTcpPort } from './free-port';

/** Resolves once a server listened on `port` and closed again; rejects if it could not. */
function listenOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

describe('freeTcpPort', () => {
  it('gives ports a server can then listen on', async () => {
    for (let i = 0; i < 20; i++) await listenOnce(await freeTcpPort());
  });

  it('never hands out one port twice, though each is free again once probed', async () => {
    // 300 random draws from the test range would repeat a port more often than not.
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freeTcpPort());
    expect(new Set(ports).size).toBe(300);
  });

  it("keeps below the kernel's ephemeral range where the range is known", async () => {
    const start = ephemeralPortStart();
    if (start === null) return; // not Linux: the kernel's choice, as documented
    for (let i = 0; i < 20; i++) {
      const port = await freeTcpPort();
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(start);
    }
  });
});
