import type { FastifyInstance } from 'fastify';
import type { Authenticator, Principal } from './auth/principal';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of a route that asks for authentication. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The route needs an authenticated principal (set in an onRequest hook). */
    authenticate?: boolean;
  }
}

/**
 * Authenticates the routes that ask for it in `onRequest`, the first hook of a request: a
 * caller without a valid token is answered 401 before its body is read or parsed, and before
 * the rate limiter (which then counts per principal).
 */
export function installAuthentication(app: FastifyInstance, authenticate: Authenticator): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.authenticate !== true) return;
    request.principal = await authenticate(request.headers.authorization);
  });
}
