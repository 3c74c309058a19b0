import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { Counter, Histogram } from 'prom-client';
import type { Logger, ServiceMetrics } from '@linebacker/runtime';
import { installErrorHandler } from './error-handler';
import { backupRequestRoutes, type BackupRequestRoutesDeps } from './routes/backup-requests.route';
import { zpagesRoutes, type ZpagesDeps } from './routes/zpages.route';

/** HTTP limits, all with units. */
export interface HttpLimits {
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Requests per minute per client address; 0 switches rate limiting off. */
  rateLimitPerMinute: number;
}

/** Everything the receiver's HTTP app is built from. */
export interface ReceiverAppDeps extends BackupRequestRoutesDeps {
  zpages: Omit<ZpagesDeps, 'registry'>;
  metrics: ServiceMetrics;
  logger: Logger;
  limits: HttpLimits;
}

const CORRELATION_HEADER = 'x-correlation-id';
/** Also honoured (after x-correlation-id), as many proxies and clients set it. */
const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_ID = /^[\w.:-]{1,100}$/;

/** The caller's correlation id when it is a safe token (else a fresh UUID). */
function correlationIdOf(headers: Record<string, string | string[] | undefined>): string {
  for (const name of [CORRELATION_HEADER, REQUEST_ID_HEADER]) {
    const given = headers[name];
    if (typeof given === 'string' && SAFE_ID.test(given)) return given;
  }
  return randomUUID();
}

function redMetrics(metrics: ServiceMetrics) {
  return {
    requests: new Counter({
      name: 'linebacker_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [metrics.registry],
    }),
    errors: new Counter({
      name: 'linebacker_http_errors_total',
      help: 'HTTP error replies (4xx and 5xx) by method, route, status and error code',
      labelNames: ['method', 'route', 'status', 'code'] as const,
      registers: [metrics.registry],
    }),
    duration: new Histogram({
      name: 'linebacker_http_request_duration_seconds',
      help: 'HTTP request duration by method and route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics.registry],
    }),
  };
}

/**
 * Builds the receiver's Fastify app without listening (tests use `inject`). Validation is
 * strict: the ajv options below stop Fastify's defaults from coercing types and silently
 * removing unknown fields, so such bodies are rejected with a 400 instead of stored.
 */
export async function buildReceiverApp(deps: ReceiverAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.limits.bodyLimitBytes,
    requestTimeout: deps.limits.requestTimeoutMs,
    connectionTimeout: deps.limits.connectionTimeoutMs,
    keepAliveTimeout: deps.limits.keepAliveTimeoutMs,
    genReqId: (req) => correlationIdOf(req.headers),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
  });
  const red = redMetrics(deps.metrics);
  installErrorHandler(app, deps.logger, (request, status, code) =>
    red.errors.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(status),
      code,
    }),
  );
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    red.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    red.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (route.startsWith('/api/backup-requests')) {
      deps.logger.info('http request', {
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
        correlationId: request.id,
      });
    }
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
  });
  await app.register(swagger, {
    openapi: { info: { title: 'linebacker', version: '1.0.0' } },
  });
  if (deps.limits.rateLimitPerMinute > 0) {
    await app.register(rateLimit, { max: deps.limits.rateLimitPerMinute, timeWindow: 60_000 });
  }
  await app.register(async (scope) => backupRequestRoutes(scope, deps));
  await app.register(async (scope) =>
    zpagesRoutes(scope, { ...deps.zpages, registry: deps.metrics.registry }),
  );
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
