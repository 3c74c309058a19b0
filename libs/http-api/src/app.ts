import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import helmet from 'helmet';
import { Counter, Histogram } from 'prom-client';
import type { Logger, ServiceMetrics } from '@linebacker/runtime';
import { installAuthentication } from './authentication';
import { installErrorHandler } from './error-handler';
import { backupRequestRoutes, type BackupRequestRoutesDeps } from './routes/backup-requests.route';
import { zpagesRoutes } from './routes/zpages.route';

/** HTTP limits and proxy trust, all with units. */
export interface HttpLimits {
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /** Requests per minute per principal (per address when unauthenticated); 0 = off. */
  rateLimitPerMinute: number;
  /** Fastify's `trustProxy`: `false`, `true`, a hop count, or addresses/CIDRs. */
  trustProxy: string;
}

/** Everything the receiver's HTTP app is built from. */
export interface ReceiverAppDeps extends BackupRequestRoutesDeps {
  /** Readiness of the receiver (public `readyz` shows only the verdict). */
  ready(): Promise<boolean>;
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
  const { limits } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    trustProxy: trustProxyOption(limits.trustProxy),
    genReqId: (req) => correlationIdOf(req.headers),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
  });
  // Node's own bounds on slow or excess clients (Fastify does not expose these two).
  app.server.headersTimeout = limits.headersTimeoutMs;
  app.server.maxConnections = limits.maxConnections;
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
        requesterId: request.principal?.requesterId,
      });
    }
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
    // Answers about requests are per caller and current: no cache may keep them.
    void reply.header('cache-control', 'no-store');
  });
  // An API profile: nothing here is a page, so no script, frame or sniffed type is allowed.
  // helmet's middleware is built once here; @fastify/helmet built it again for every request.
  const securityHeaders = helmet({
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    hsts: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (error) =>
      done(error instanceof Error || error === undefined ? error : new Error(String(error))),
    );
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'linebacker', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // Authentication runs first (before body parsing and before the rate limiter), so the
  // limiter can count per principal and an anonymous flood never reaches a parser.
  installAuthentication(app, deps.authenticate);
  if (limits.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: limits.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) =>
        request.principal ? `principal:${request.principal.requesterId}` : `ip:${request.ip}`,
    });
  }
  await app.register(async (scope) => backupRequestRoutes(scope, deps));
  await app.register(async (scope) => zpagesRoutes(scope, { ready: deps.ready }));
  return app;
}

/** Fastify's `trustProxy` from its configured text (a hop count trusts that many hops). */
function trustProxyOption(
  raw: string,
): boolean | string | ((address: string, hop: number) => boolean) {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return (_address, hop) => hop < hops;
  }
  return raw;
}
