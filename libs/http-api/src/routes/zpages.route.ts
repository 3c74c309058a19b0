import type { FastifyInstance } from 'fastify';

/** What the public readiness page needs. */
export interface ZpagesDeps {
  /** Database reachable, relay connected to the broker, not draining. */
  ready(): Promise<boolean>;
}

/**
 * `livez` and `readyz` under /api/zpages on the public port, for load balancers and
 * orchestrators: a verdict only, no versions or counts (those are on the operator listener).
 * Exempt from rate limiting, so a busy client cannot make the instance look dead.
 */
export async function zpagesRoutes(app: FastifyInstance, deps: ZpagesDeps): Promise<void> {
  const config = { rateLimit: false } as const;
  app.get('/api/zpages/livez', { schema: { hide: true }, config }, async () => ({ status: 'ok' }));
  app.get('/api/zpages/readyz', { schema: { hide: true }, config }, async (_request, reply) => {
    const ready = await deps.ready();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
}
