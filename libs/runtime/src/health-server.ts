import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What a worker's small HTTP port reports. */
export interface HealthChecks {
  /** Readiness: dependencies reachable, consumers attached, not draining. */
  ready(): boolean | Promise<boolean>;
  /** Optional details for `/healthz`. */
  details?(): Promise<Record<string, unknown>>;
  registry: Registry;
  /** More JSON documents by exact path (the receiver's OpenAPI document). */
  documents?: Readonly<Record<string, () => unknown>>;
}

/** A running health server. */
export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `/livez` (process up), `/readyz`, `/healthz` and `/metrics` (also under
 * `/api/zpages`) on a small port, with node:http rather than a framework: workers need
 * nothing more, and it keeps them light. It is the operator listener: bind it to loopback or
 * an operations network, never to where clients come from.
 */
export async function startHealthServer(
  port: number,
  host: string,
  checks: HealthChecks,
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0].replace(/^\/api\/zpages/, '');
    const answer = async (): Promise<void> => {
      switch (path) {
        case '/livez':
          return send(200, JSON.stringify({ status: 'ok' }));
        case '/readyz': {
          const ready = await checks.ready();
          return send(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not ready' }));
        }
        case '/healthz': {
          const ready = await checks.ready();
          const details = checks.details ? await checks.details() : {};
          return send(ready ? 200 : 503, JSON.stringify({ ready, ...details }));
        }
        case '/metrics':
          return send(200, await checks.registry.metrics(), checks.registry.contentType);
        default: {
          const document = checks.documents?.[path];
          if (document) return send(200, JSON.stringify(await document()));
          return send(404, JSON.stringify({ code: 'NotFound', message: 'no such endpoint' }));
        }
      }
    };
    answer().catch((error: unknown) =>
      send(500, JSON.stringify({ code: 'HealthCheckFailed', message: String(error) })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
