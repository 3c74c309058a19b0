import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** What readiness and health need to know. */
export interface ZpagesDeps {
  /** Database reachable, relay connected to the broker, not draining. */
  ready(): Promise<boolean>;
  /**
   * Readiness plus versions, uptime, dependency states, queue depths and request counts;
   * bounded in time (each probe has its own timeout).
   */
  health(): Promise<{ ready: boolean } & Record<string, unknown>>;
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
    const details = await deps.health();
    return reply.status(details.ready ? 200 : 503).send(details);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  );
}
