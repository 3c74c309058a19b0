import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Listens on `port` (0: the kernel's choice) and closes again; the port, or null if taken. */
function probePort(port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(null) : reject(error),
    );
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** The first port the kernel hands to outgoing connections (Linux), or null where unknown. */
export function ephemeralPortStart(): number | null {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    const start = Number(low);
    return Number.isInteger(start) && start > 0 ? start : null;
  } catch {
    return null;
  }
}

const LOWEST_TEST_PORT = 10_000;

/**
 * Ports this process already handed out. A test starts a server some time after asking for
 * its port (a RabbitMQ node, a private PostgreSQL), often several at once: a port that was
 * free for one of them stays promised to it, so the next call never gives it out again.
 */
const handedOut = new Set<number>();

/**
 * A TCP port nothing listens on right now, and that this process has not handed out before,
 * for a server a test starts later. Where the kernel's ephemeral range is known the port lies
 * below it: a port from that range can be taken by any outgoing connection (a test's own
 * database client, say) between this check and the server binding it. Elsewhere, or if no
 * such port is found, the kernel picks one.
 */
export async function freeTcpPort(): Promise<number> {
  const start = ephemeralPortStart();
  if (start !== null && start > LOWEST_TEST_PORT + 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = LOWEST_TEST_PORT + Math.floor(Math.random() * (start - LOWEST_TEST_PORT));
      if (handedOut.has(port)) continue;
      const free = await probePort(port);
      if (free !== null) return handOut(free);
    }
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const any = await probePort(0);
    if (any === null) break;
    if (!handedOut.has(any)) return handOut(any);
  }
  throw new Error('no free TCP port on 127.0.0.1');
}

function handOut(port: number): number {
  handedOut.add(port);
  return port;
}
