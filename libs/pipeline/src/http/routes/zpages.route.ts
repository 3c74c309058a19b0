import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** What readiness and health need to know. */
export interface ZpagesDeps {
  /** Database reachable, relay connected to the broker, not draining. */
  ready(): Promise<boolean>;
  /** Versions, uptime, dependency states, queue depths, request counts. */
  health(): Promise<Record<string, unknown>>;
  registry: Registry;
}

/** `livez`, `readyz`, `healthz` under /api/zpages and Prometheus `/metrics`. */
export async function zpagesRoutes(app: FastifyInstance, deps: ZpagesDeps): Promise<void> {
  app.get('/api/zpages/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/api/zpages/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await deps.ready();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/api/zpages/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const [ready, details] = await Promise.all([deps.ready(), deps.health()]);
    return reply.status(ready ? 200 : 503).send({ ready, ...details });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  );
}
