import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** True when nothing listens on 127.0.0.1:`port` right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The lowest port the kernel hands to outgoing connections (Linux; 32768 elsewhere). */
export function ephemeralPortFloor(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 1024 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * The highest port the Fetch standard's "bad port" list blocks: Node's fetch refuses it with
 * `TypeError: fetch failed` (cause: bad port), as a CI run of 6 December met on 10080.
 */
export const HIGHEST_FETCH_BLOCKED_PORT = 10_080;

/**
 * `size` consecutive ports that are free now (the PM2 layout derives ports from a base, so
 * port 0 will not do), drawn at random above every port fetch refuses and below the kernel's
 * ephemeral range. Inside that range
 * any outgoing connection the stack opens after this check (to PostgreSQL, to RabbitMQ) can
 * take one of them as its local port, and an app then fails to listen on it (EADDRINUSE,
 * checked on this machine). A CI run on 3 December had one PM2 instance never come online,
 * which this explains (its logs were gone, so not proven). Below that range, only another
 * listener could.
 */
export async function freePortRange(size: number): Promise<number> {
  const low = HIGHEST_FETCH_BLOCKED_PORT + 1;
  const span = ephemeralPortFloor() - size - low;
  if (span <= 0) throw new Error(`no room for ${size} ports below the ephemeral range`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = low + Math.floor(Math.random() * span);
    const checks = await Promise.all(Array.from({ length: size }, (_, i) => isFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no ${size} consecutive free ports found`);
}
